#!/bin/sh
# Jarvis first boot, early stage (run once from cmdline.txt's systemd.run, or from Raspberry Pi
# Imager's firstrun.sh): installs jarvis-firstboot.service, which enrolls the satellite once the
# network is up, and takes itself out of cmdline.txt.
set -e
here=$(dirname "$(readlink -f "$0")")
boot=$(dirname "$here")
sed "s|@JARVIS_DIR@|$here|g" "$here/jarvis-firstboot.service" > /etc/systemd/system/jarvis-firstboot.service
mkdir -p /etc/systemd/system/multi-user.target.wants
ln -sf /etc/systemd/system/jarvis-firstboot.service /etc/systemd/system/multi-user.target.wants/jarvis-firstboot.service
if grep -q "systemd.run=$here/firstboot.sh" "$boot/cmdline.txt" 2>/dev/null; then
  sed -i "s| systemd.run=$here/firstboot.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target||" "$boot/cmdline.txt"
fi
exit 0

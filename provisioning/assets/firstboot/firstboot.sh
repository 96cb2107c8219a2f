#!/bin/sh
# Jarvis first boot, early stage (run once from cmdline.txt's systemd.run, or from Raspberry Pi
# Imager's firstrun.sh): installs jarvis-firstboot.service, which enrolls the satellite once the
# network is up. Its own cmdline.txt hook goes first, whatever happens after: a failure here
# must never leave the Pi stopping at this stage on every boot.
here=$(dirname "$(readlink -f "$0")")
boot=$(dirname "$here")
sed -i "s| systemd.run=$here/firstboot.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target||" "$boot/cmdline.txt" 2>/dev/null
if sed "s|@JARVIS_DIR@|$here|g" "$here/jarvis-firstboot.service" > /etc/systemd/system/jarvis-firstboot.service; then
  mkdir -p /etc/systemd/system/multi-user.target.wants
  ln -sf /etc/systemd/system/jarvis-firstboot.service /etc/systemd/system/multi-user.target.wants/jarvis-firstboot.service
else
  echo "jarvis-firstboot: could not install the first-boot service" >&2
fi
exit 0

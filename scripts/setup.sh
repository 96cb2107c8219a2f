#!/usr/bin/env bash
# Installs what Jarvis needs on a Debian machine with Node 20: Debian packages (as root) and npm deps.
set -euo pipefail
cd "$(dirname "$0")/.."

# Engines and test servers come from Debian: speech recognition, test voices, audio tools, brokers,
# the browser the dashboard's end-to-end tests drive (never a downloaded one), and the SSH server
# the provisioning tests install a satellite through, and Prometheus (promtool) for the
# monitoring checks.
PACKAGES=(pocketsphinx pocketsphinx-en-us libpocketsphinx3 pocketsphinx-testdata espeak-ng flite festival festvox-kallpc16k sox
  mosquitto redis-server postgresql-15 openssl
  chromium fonts-dejavu-core openssh-server openssh-client prometheus)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

# The mosquitto and redis packages start system services; tests start their own on free ports.
if [[ $(id -u) -eq 0 ]] && command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
  systemctl disable --now mosquitto redis-server >/dev/null 2>&1 || true
  # The SSH server only when this script just installed it: a machine's own sshd is left alone.
  if [[ " ${missing[*]-} " == *" openssh-server "* ]]; then
    systemctl disable --now ssh >/dev/null 2>&1 || true
  fi
  if [[ " ${missing[*]-} " == *" prometheus "* ]]; then
    systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true
  fi
fi

# Reinstall npm deps only when the lock file changed since the last install.
stamp=node_modules/.jarvis-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "setup: npm ci"
  ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

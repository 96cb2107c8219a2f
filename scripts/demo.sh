#!/usr/bin/env bash
# The demo: hub + simulated MQTT light + a satellite fed a spoken WAV, all on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The hub serves the dashboard from dashboard/dist: build it from the current sources.
NPM_CONFIG_LOGLEVEL=error npm run --silent build -w dashboard >/dev/null
NPM_CONFIG_LOGLEVEL=error exec npx tsx --conditions=source scripts/demo.ts "$@"

#!/usr/bin/env bash
# The whole test suite: types, lint, then every unit and end-to-end test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NPM_CONFIG_LOGLEVEL=error
echo "== typecheck"; npx tsc -p tsconfig.json
echo "== lint"; npx eslint --max-warnings 0 .
echo "== format"; npx prettier --check . >/dev/null || { npx prettier --list-different .; echo "run: npx prettier --write ."; exit 1; }
echo "== tests"; npx vitest run

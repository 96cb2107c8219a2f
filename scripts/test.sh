#!/usr/bin/env bash
# The whole test suite: types, lint, format, the dashboard build, then every unit and end-to-end test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NPM_CONFIG_LOGLEVEL=error
echo "== typecheck"; npx tsc -p tsconfig.json
echo "== typecheck dashboard"; npx vue-tsc --noEmit -p dashboard/tsconfig.json
echo "== lint"; npx eslint --max-warnings 0 .
echo "== format"; npx prettier --check . >/dev/null || { npx prettier --list-different .; echo "run: npx prettier --write ."; exit 1; }
# The hub's browser tests load the built app, so it is built before the tests run.
echo "== build dashboard"; npm run --silent build -w dashboard
echo "== tests"; npx vitest run

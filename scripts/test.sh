#!/usr/bin/env bash
# The whole test suite: types, lint, then every unit and end-to-end test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NPM_CONFIG_LOGLEVEL=error
echo "== typecheck"; npx tsc -p tsconfig.json
echo "== lint"; npx eslint --max-warnings 0 .
echo "== tests"; npx vitest run

#!/usr/bin/env bash
# `npm test`: format, lint (zero warnings, module boundaries), type checks, unit specs, the API
# e2e suite on a fresh SQLite database, then the console in Chromium against the built API
# (a loud SKIPPED line when no Chromium is installed). Everything runs with TZ=UTC.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TZ=UTC NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false

npx prettier --check . --log-level warn
npx nx run-many -t lint typecheck test --parallel=2 --outputStyle=static
npx nx run api-e2e:e2e --outputStyle=static --skip-nx-cache
npx nx run-many -t build -p api admin --outputStyle=static
bash apps/admin-e2e/run-e2e.sh

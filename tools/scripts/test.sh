#!/usr/bin/env bash
# `npm test`: format, lint (zero warnings, module boundaries), type checks, unit specs, then
# the API e2e suite on a fresh SQLite database. Everything runs with TZ=UTC.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TZ=UTC NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false

npx prettier --check . --log-level warn
npx nx run-many -t lint typecheck test --parallel=2 --outputStyle=static
npx nx run api-e2e:e2e --outputStyle=static --skip-nx-cache

#!/usr/bin/env bash
# `npm test`: format, lint (zero warnings, module boundaries), type checks, unit specs, the API
# e2e suite on a fresh SQLite database, the build, the multi-instance specs (3 processes of the
# built API on PostgreSQL and a private redis-server: CLUSTER_DATABASE_URL, default the local
# PostgreSQL), then the console in Chromium against the built API (a loud SKIPPED line when no
# Chromium is installed). Everything runs with TZ=UTC.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TZ=UTC NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false

npx prettier --check . --log-level warn
npx nx run-many -t lint typecheck test --parallel=2 --outputStyle=static
npx nx run api-e2e:e2e --outputStyle=static --skip-nx-cache
npx nx run-many -t build -p api admin --outputStyle=static
DATABASE_URL="${CLUSTER_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}" \
  npx nx run api-e2e:cluster --outputStyle=static --skip-nx-cache
bash apps/admin-e2e/run-e2e.sh

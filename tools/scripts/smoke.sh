#!/usr/bin/env bash
# Starts the built API on a scratch SQLite database, waits for /health/liveliness, stops it.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/apps/api/main.js ] || npm run build
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
PORT=$port DATABASE_URL="sqlite:$dir/gatehouse.sqlite" LOG_LEVEL=warn node dist/apps/api/main.js >"$dir/out.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/health/liveliness" >/dev/null 2>&1; then
    grep -q 'generated PROXY_MASTER_KEY=sk-' "$dir/out.log" || { echo "no generated master key printed" >&2; exit 1; }
    [ -f "$dir/master.key" ] || { echo "master key not saved beside the database" >&2; exit 1; }
    echo "smoke: liveliness OK on port $port after ${SECONDS}s"
    exit 0
  fi
  kill -0 $pid 2>/dev/null || { cat "$dir/out.log" >&2; exit 1; }
  sleep 0.2
done
cat "$dir/out.log" >&2
exit 1

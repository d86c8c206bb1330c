#!/usr/bin/env bash
# Starts the built API on a scratch SQLite database, waits for /health/liveliness, makes one
# gateway call (mock_response) and waits for its spend row: the bundle's spend writer thread
# (spend-sqlite.worker.js beside main.js) must have written it. Then stops it.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/apps/api/main.js ] || npm run build
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
PORT=$port DATABASE_URL="sqlite:$dir/gatehouse.sqlite" LOG_LEVEL=warn SPEND_FLUSH_INTERVAL_MS=100 \
  node dist/apps/api/main.js >"$dir/out.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/health/liveliness" >/dev/null 2>&1; then
    grep -q 'generated PROXY_MASTER_KEY=sk-' "$dir/out.log" || { echo "no generated master key printed" >&2; exit 1; }
    [ -f "$dir/master.key" ] || { echo "master key not saved beside the database" >&2; exit 1; }
    echo "smoke: liveliness OK on port $port after ${SECONDS}s"
    base="http://127.0.0.1:$port"
    auth="Authorization: Bearer $(cat "$dir/master.key")"
    json='Content-Type: application/json'
    curl -fsS -X POST "$base/model/new" -H "$auth" -H "$json" -d '{"model_name": "smoke",
      "litellm_params": {"model": "openai/smoke", "api_base": "http://127.0.0.1:9/v1"},
      "model_info": {"input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002}}' >/dev/null
    curl -fsS -X POST "$base/v1/chat/completions" -H "$auth" -H "$json" -d '{"model": "smoke",
      "messages": [{"role": "user", "content": "hi"}], "mock_response": "hello"}' >/dev/null
    for _ in $(seq 1 50); do
      if curl -fsS "$base/spend/logs" -H "$auth" | grep -q '"total":1'; then
        echo "smoke: gateway call and its spend row OK"
        exit 0
      fi
      sleep 0.1
    done
    echo "the spend row of the smoke call was not written" >&2
    cat "$dir/out.log" >&2
    exit 1
  fi
  kill -0 $pid 2>/dev/null || { cat "$dir/out.log" >&2; exit 1; }
  sleep 0.2
done
cat "$dir/out.log" >&2
exit 1

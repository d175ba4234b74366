#!/usr/bin/env bash
# Receiver throughput, measured side by side in one run (ratios, since machines are noisy):
#   bare axum (200, no work)  vs  hookwatch serve (verify + durable store, 2xx after commit)
#   vs  the seed reference design (Express + node:crypto HMAC + JSON.parse).
# Each server is pinned to core 0 and wrk to core 1; 64 connections; the body is the
# ~1.6 KB signed SalesLoft person_updated fixture. Usage: benches/receiver.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=64
command -v wrk >/dev/null || { echo "installing wrk"; (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null; }
command -v taskset >/dev/null || { echo "taskset (util-linux) is required" >&2; exit 1; }
cargo build --release --quiet --bin hookwatch --example bare_axum
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
secret=bench-callback-token
body="$tmp/body.json"
python3 - "$body" <<'PY'
import json, sys
f = json.load(open("fixtures/salesloft/person_updated.json"))
open(sys.argv[1], "wb").write(json.dumps(f["body"], separators=(",", ":"), ensure_ascii=False).encode())
PY
sig=$(python3 -c "import hmac,hashlib,sys;print(hmac.new(b'$secret',open('$body','rb').read(),hashlib.sha1).hexdigest())")
cat > "$tmp/post.lua" <<LUA
wrk.method = "POST"
local f = io.open("$body", "rb"); wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-salesloft-event"] = "person_updated"
wrk.headers["x-salesloft-signature"] = "$sig"
local non2xx = 0
response = function(status, headers, body) if status >= 300 then non2xx = non2xx + 1 end end
LUA
echo "body: $(wc -c <"$body") bytes, $conns connections, ${secs}s per server, server on core 0, wrk on core 1"

wait_port() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
run_wrk() { # name url
  taskset -c 1 wrk -t1 -c$conns -d${secs}s --latency -s "$tmp/post.lua" "$2" > "$tmp/$1.txt"
  local rps p99 non
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/$1.txt")
  p99=$(awk '$1=="99%" {print $2}' "$tmp/$1.txt")
  non=$(awk '/Non-2xx/ {print $5}' "$tmp/$1.txt")
  echo "$1 $rps $p99 ${non:-0}" >> "$tmp/results"
}

taskset -c 0 target/release/examples/bare_axum 127.0.0.1:18790 & pid=$!
wait_port 18790; run_wrk bare-axum http://127.0.0.1:18790/webhooks/salesloft; kill $pid; wait $pid 2>/dev/null || true

taskset -c 0 target/release/hookwatch serve --listen 127.0.0.1:18791 --db "$tmp/bench.db" \
  --secret salesloft=$secret > /dev/null 2> "$tmp/serve.err" & pid=$!
wait_port 18791; run_wrk hookwatch http://127.0.0.1:18791/webhooks/salesloft; kill $pid; wait $pid 2>/dev/null || true
stored=$(sqlite3 "$tmp/bench.db" "select count(*) from deliveries" 2>/dev/null || echo "?")

express=skipped
if command -v node >/dev/null; then
  if [ ! -d benches/peers/express/node_modules/express ]; then
    (cd benches/peers/express && npm install --silent --no-audit --no-fund >/dev/null 2>&1) || true
  fi
  if [ -d benches/peers/express/node_modules/express ]; then
    taskset -c 0 node benches/peers/express/server.js 18792 $secret & pid=$!
    wait_port 18792; run_wrk express http://127.0.0.1:18792/webhooks/salesloft; kill $pid; wait $pid 2>/dev/null || true
    express=ok
  fi
fi

python3 - "$tmp/results" "$stored" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, rps, p99, non = line.split()
    rows[name] = (float(rps), p99, non)
base = rows["bare-axum"][0]
print(f"\n| server | req/s | p99 | non-2xx | vs bare axum |")
print("|---|---:|---:|---:|---:|")
for name, (rps, p99, non) in rows.items():
    print(f"| {name} | {rps:,.0f} | {p99} | {non} | {rps/base:.2f} |")
if "express" in rows:
    print(f"\nhookwatch / express = {rows['hookwatch'][0] / rows['express'][0]:.1f}x")
print(f"rows committed by hookwatch: {sys.argv[2]}")
PY

#!/usr/bin/env bash
# Receiver throughput, measured side by side in one run (ratios, since machines are noisy):
#   bare axum (200, no work)  vs  hookwatch serve (verify + durable store, 2xx after commit)
#   vs  the seed reference design (Express + node:crypto HMAC + JSON.parse).
# Each server is pinned to core 0 and wrk to core 1; 64 connections; the body is the
# ~1.6 KB signed SalesLoft person_updated fixture. The three servers take turns for ROUNDS
# rounds and the ratios are computed per round, then the medians reported, so a noisy
# neighbour slowing one run does not decide the result.
# Usage: benches/receiver.sh [SECONDS per server per round, 10] [ROUNDS, 3]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
rounds=${2:-3}
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
LUA

express=no
if command -v node >/dev/null; then
  if [ ! -d benches/peers/express/node_modules/express ]; then
    (cd benches/peers/express && npm install --silent --no-audit --no-fund >/dev/null 2>&1) || true
  fi
  [ -d benches/peers/express/node_modules/express ] && express=yes
fi
echo "body: $(wc -c <"$body") bytes, $conns connections, ${secs}s per server, $rounds rounds, server on core 0, wrk on core 1"

wait_port() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
run_wrk() { # round name url
  taskset -c 1 wrk -t1 -c$conns -d${secs}s --latency -s "$tmp/post.lua" "$3" > "$tmp/wrk.txt"
  local rps p99 non
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt")
  p99=$(awk '$1=="99%" {print $2}' "$tmp/wrk.txt")
  non=$(awk '/Non-2xx/ {print $5}' "$tmp/wrk.txt")
  echo "$1 $2 $rps $p99 ${non:-0}" >> "$tmp/results"
}

for r in $(seq "$rounds"); do
  taskset -c 0 target/release/examples/bare_axum 127.0.0.1:18790 & pid=$!
  wait_port 18790; run_wrk "$r" bare-axum http://127.0.0.1:18790/webhooks/salesloft; kill $pid; wait $pid 2>/dev/null || true

  # Deleting the last round's ~700 MB database makes ext4 discard its blocks at the next
  # journal commit: let that happen now, not in the middle of this round's measurement.
  rm -f "$tmp"/bench.db*; sync
  taskset -c 0 target/release/hookwatch serve --listen 127.0.0.1:18791 --db "$tmp/bench.db" \
    --secret salesloft=$secret > /dev/null 2> "$tmp/serve.err" & pid=$!
  wait_port 18791; run_wrk "$r" hookwatch http://127.0.0.1:18791/webhooks/salesloft; kill $pid; wait $pid 2>/dev/null || true
  stored=$(sqlite3 "$tmp/bench.db" "select count(*) from deliveries" 2>/dev/null || echo "?")
  per_commit=$(grep -o '([0-9.]* per commit)' "$tmp/serve.err" | tr -d '()' || echo "?")
  echo "$r $stored ${per_commit%% *}" >> "$tmp/stored"

  if [ "$express" = yes ]; then
    taskset -c 0 node benches/peers/express/server.js 18792 $secret & pid=$!
    wait_port 18792; run_wrk "$r" express http://127.0.0.1:18792/webhooks/salesloft; kill $pid; wait $pid 2>/dev/null || true
  fi
done

python3 - "$tmp/results" "$tmp/stored" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    r, name, rps, p99, non = line.split()
    rows.setdefault(int(r), {})[name] = (float(rps), p99, non)
stored = {int(l.split()[0]): l.split()[1:] for l in open(sys.argv[2])}
def ms(p):
    return float(p[:-2]) if p.endswith("ms") else float(p[:-2]) / 1000 if p.endswith("us") else float(p[:-1]) * 1000
print("\n| round | server | req/s | p99 | non-2xx | vs bare axum |")
print("|---:|---|---:|---:|---:|---:|")
ratios, vs_express, p99s = [], [], []
for r in sorted(rows):
    base = rows[r]["bare-axum"][0]
    for name, (rps, p99, non) in rows[r].items():
        print(f"| {r} | {name} | {rps:,.0f} | {p99} | {non} | {rps / base:.2f} |")
    hw = rows[r]["hookwatch"]
    ratios.append(hw[0] / base)
    p99s.append(ms(hw[1]))
    if "express" in rows[r]:
        vs_express.append(hw[0] / rows[r]["express"][0])
print(f"\nhookwatch / bare axum, median of {len(ratios)} rounds: {statistics.median(ratios):.2f} "
      f"(rounds: {', '.join(f'{x:.2f}' for x in ratios)})")
print(f"hookwatch p99, median: {statistics.median(p99s):.2f} ms (rounds: {', '.join(f'{x:.2f}' for x in p99s)})")
if vs_express:
    print(f"hookwatch / express, median: {statistics.median(vs_express):.1f}x")
for r in sorted(stored):
    print(f"round {r}: hookwatch committed {stored[r][0]} rows, {stored[r][1] if len(stored[r]) > 1 else '?'} per commit")
PY

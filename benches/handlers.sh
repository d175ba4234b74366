#!/usr/bin/env bash
# Handler benchmarks (machines are noisy: compare within one run).
#  (a) receiver throughput with a forward handler whose target answers after 200 ms, against
#      the same server without handlers: wrk, 64 connections, the server pinned to core 0
#      (its handler workers included), wrk and the targets on core 1. Measured alternately
#      (none, forward, none, forward); prints each and the ratio of the means.
#  (b) do the runs keep up? `hookwatch send --rate 1000` for ~10 s against a server that
#      forwards every delivery to a fast local target (bare axum); the deliveries table and
#      the run history are polled to report the backlog while sending, the time until every
#      delivery has a stored run, and runs/s.
# The handlers set `duplicates = true`: wrk and send repeat one fixture, which the receiver
# marks duplicate after the first, and a duplicate runs no handler by default.
# Usage: benches/handlers.sh [SECONDS_PER_WRK_RUN] [RATE] [SEND_SECONDS]
#        (HANDLERS_BENCH=a or =b runs one part only)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
rate=${2:-1000}
send_secs=${3:-10}
part=${HANDLERS_BENCH:-ab}
conns=64
command -v wrk >/dev/null || { echo "installing wrk"; (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null; }
for tool in taskset sqlite3 python3; do
  command -v $tool >/dev/null || { echo "$tool is required" >&2; exit 1; }
done
cargo build --release --quiet --bin hookwatch --example bare_axum
bin=target/release/hookwatch
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
secret=bench-callback-token
fixture=fixtures/salesloft/person_updated.json
body="$tmp/body.json"
python3 - "$body" "$fixture" <<'PY'
import json, sys
f = json.load(open(sys.argv[2]))
open(sys.argv[1], "wb").write(json.dumps(f["body"], separators=(",", ":"), ensure_ascii=False).encode())
PY
sig=$(python3 -c "import hmac,hashlib;print(hmac.new(b'$secret',open('$body','rb').read(),hashlib.sha1).hexdigest())")
cat > "$tmp/post.lua" <<LUA
wrk.method = "POST"
local f = io.open("$body", "rb"); wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-salesloft-event"] = "person_updated"
wrk.headers["x-salesloft-signature"] = "$sig"
LUA
# A target answering 200 after 200 ms (threads: one per connection).
cat > "$tmp/slow.py" <<'PY'
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        time.sleep(0.2)
        self.send_response(200); self.send_header("content-length", "2"); self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a): pass
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY

wait_port() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
q() { sqlite3 "$1" "$2" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "$1"; } # utime + stime of a /proc stat
handler_config() { # file url
  cat > "$1" <<TOML
[[handlers]]
name = "app"
forward = "$2"
duplicates = true
TOML
}

if [[ $part == *a* ]]; then
echo "== (a) receiver throughput: no handler vs a forward handler to a 200 ms target"
echo "   body $(wc -c <"$body") bytes, $conns connections, ${secs}s per run, server on core 0, wrk + targets on core 1"
taskset -c 1 python3 "$tmp/slow.py" 18795 2>/dev/null & slow=$!
wait_port 18795
handler_config "$tmp/slow.toml" http://127.0.0.1:18795/hooks
: > "$tmp/a.txt"
for round in 1 2; do
  for mode in none forward; do
    db="$tmp/a-$mode-$round.db"
    extra=()
    [ $mode = forward ] && extra=(--config "$tmp/slow.toml")
    taskset -c 0 $bin serve --listen 127.0.0.1:18796 --db "$db" --secret salesloft=$secret "${extra[@]}" \
      > /dev/null 2> "$tmp/serve-a.err" & pid=$!
    wait_port 18796
    taskset -c 1 wrk -t1 -c$conns -d${secs}s --latency -s "$tmp/post.lua" http://127.0.0.1:18796/webhooks/salesloft > "$tmp/wrk.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt")
    p99=$(awk '$1=="99%" {print $2}' "$tmp/wrk.txt")
    non=$(awk '/Non-2xx/ {print $5}' "$tmp/wrk.txt")
    rss=$(ps -o rss= -p $pid | tr -d ' ')
    cpu=$(cpu_ticks /proc/$pid/stat)
    pool=0
    for t in /proc/$pid/task/*; do
      case "$(cat $t/comm 2>/dev/null)" in hookwatch-handl*) pool=$((pool + $(cpu_ticks $t/stat))) ;; esac
    done
    rows=$(q "$db" "select count(*) from deliveries")
    runs=$(q "$db" "select count(*) from handler_runs")
    kill $pid; wait $pid 2>/dev/null || true
    echo "$mode $round $rps $p99 ${non:-0} $rows $runs $((rss / 1024)) $cpu $pool" >> "$tmp/a.txt"
  done
done
kill $slow; wait $slow 2>/dev/null || true
python3 - "$tmp/a.txt" "$(getconf CLK_TCK)" <<'PY'
import sys
tck = float(sys.argv[2])
rows = [l.split() for l in open(sys.argv[1])]
print("\n| run | handler | req/s | p99 | non-2xx | deliveries | runs stored | RSS at the end | server CPU/delivery | of which dispatcher + bookkeeper |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
us = lambda ticks, n: float(ticks) / tck * 1e6 / max(1, int(n))
for mode, rnd, rps, p99, non, n, runs, rss, cpu, pool in rows:
    print(f"| {rnd} | {mode} | {float(rps):,.0f} | {p99} | {non} | {n} | {runs} | {rss} MiB | {us(cpu, n):.1f} µs | {us(pool, n):.2f} µs |")
def mean(m, f):
    v = [f(r) for r in rows if r[0] == m]
    return sum(v) / max(1, len(v))
rps = mean("forward", lambda r: float(r[2])) / mean("none", lambda r: float(r[2]))
cpu = mean("none", lambda r: us(r[8], r[5])) / mean("forward", lambda r: us(r[8], r[5]))
print(f"\nforward-to-slow-target / no-handler: throughput {rps:.3f}, CPU per delivery (inverted, no-handler / forward) {cpu:.3f}")
PY

fi

if [[ $part == *b* ]]; then
echo
echo "== (b) runs keep up: send --rate $rate for ${send_secs}s, forward to a fast local target"
count=$((rate * send_secs))
taskset -c 1 target/release/examples/bare_axum 127.0.0.1:18797 & fast=$!
wait_port 18797
handler_config "$tmp/fast.toml" http://127.0.0.1:18797/hooks
db="$tmp/b.db"
taskset -c 0 $bin serve --listen 127.0.0.1:18798 --db "$db" --secret salesloft=$secret --config "$tmp/fast.toml" \
  > /dev/null 2> "$tmp/serve-b.err" & pid=$!
wait_port 18798
start=$(date +%s.%N)
taskset -c 1 $bin send "$fixture" --to http://127.0.0.1:18798 --count $count --rate $rate --concurrency 32 \
  --quiet --secret salesloft=$secret 2> "$tmp/send.err" & sender=$!
max_backlog=0
: > "$tmp/b.txt"
while kill -0 $sender 2>/dev/null; do
  sleep 0.5
  d=$(q "$db" "select count(*) from deliveries"); r=$(q "$db" "select count(distinct delivery_id) from handler_runs")
  backlog=$((d - r)); [ $backlog -gt $max_backlog ] && max_backlog=$backlog
  echo "$(date +%s.%N) $d $r" >> "$tmp/b.txt"
done
wait $sender || { cat "$tmp/send.err"; exit 1; }
sent_at=$(date +%s.%N)
d=$(q "$db" "select count(*) from deliveries")
for _ in $(seq 600); do
  r=$(q "$db" "select count(distinct delivery_id) from handler_runs")
  [ "$r" -ge "$d" ] && break
  sleep 0.1
done
done_at=$(date +%s.%N)
failed=$(q "$db" "select count(*) from handler_runs where ok = 0")
kill $pid $fast; wait $pid $fast 2>/dev/null || true
python3 - "$start" "$sent_at" "$done_at" "$d" "$r" "$max_backlog" "$failed" "$(cat "$tmp/send.err")" <<'PY'
import sys
start, sent, done = map(float, sys.argv[1:4])
d, r, backlog, failed = map(int, sys.argv[4:8])
print(f"sender: {sys.argv[8]}")
print(f"deliveries {d:,}, with a stored run {r:,} ({failed} failed runs)")
print(f"largest backlog while sending (deliveries without a run, sampled every 0.5 s): {backlog:,}")
print(f"every delivery had its run {done - sent:.2f} s after the sender finished")
print(f"runs/s over the whole window: {r / (done - start):,.0f}  (deliveries/s sent: {d / (sent - start):,.0f})")
PY
fi

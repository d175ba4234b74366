#!/usr/bin/env bash
# The dashboard in a real terminal (tmux, 200x50), release build, with 100,000 deliveries in
# the store:
#   1. time from start to the first frame showing rows, and resident memory;
#   2. key latency (the help overlay opening and closing, read back with capture-pane),
#      idle and while `hookwatch send` posts 2,000 deliveries/s for 10 s (ratio to idle);
#   3. how long after the sender stops until the dashboard counts every delivery.
# Latencies include tmux's own capture round trip, measured alone as the baseline.
# Usage: benches/dashboard.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 1; }
cargo build --release --quiet --bin hookwatch --example seed_store
tmp=$(mktemp -d)
session=hookwatch-bench-$$
trap 'tmux kill-session -t $session 2>/dev/null || true; rm -rf "$tmp"' EXIT
target/release/examples/seed_store "$tmp/d.db" 100000
python3 - "$tmp" "$session" <<'PY'
import os, re, subprocess, sys, time, statistics
tmp, session = sys.argv[1], sys.argv[2]
port = 18862
bin = os.path.abspath("target/release/hookwatch")
def tmux(*a):
    return subprocess.run(["tmux", *a], capture_output=True, text=True).stdout
def screen():
    return tmux("capture-pane", "-p", "-t", session)
def wait(pred, timeout=30.0):
    t = time.perf_counter()
    while True:
        s = screen()
        if pred(s):
            return time.perf_counter() - t
        if time.perf_counter() - t > timeout:
            raise SystemExit("timed out; screen:\n" + s)
def total(s):
    last = s.rstrip("\n").split("\n")[-1]
    return sum(int(n) for n in re.findall(r"[✓✗∅⧗⚠?] (\d+)", last))
env = f"env XDG_CONFIG_HOME={tmp} XDG_DATA_HOME={tmp}"
t0 = time.perf_counter()
tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50",
     f"{env} {bin} --db {tmp}/d.db --listen 127.0.0.1:{port}")
wait(lambda s: "salesloft" in s and total(s) >= 100000)
first = time.perf_counter() - t0
pid = tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip()
rss = int(re.search(r"VmRSS:\s+(\d+)", open(f"/proc/{pid}/status").read()).group(1)) / 1024
# Baseline: one capture round trip.
base = statistics.median([wait(lambda s: True) for _ in range(20)])
def key_latency():
    tmux("send-keys", "-t", session, "?")
    opened = wait(lambda s: " Help " in s)
    tmux("send-keys", "-t", session, "?")
    closed = wait(lambda s: " Help " not in s)
    return opened, closed
time.sleep(1.0)  # let the first inspector load settle
idle = [x for _ in range(10) for x in key_latency()]
sender = subprocess.Popen([bin, "send", "fixtures", "--to", f"http://127.0.0.1:{port}",
                           "--rate", "2000", "--count", "800", "--quiet", "--concurrency", "32"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
loaded = []
while sender.poll() is None:
    loaded.extend(key_latency())
    time.sleep(0.2)
stopped = time.perf_counter()
summary = sender.stderr.read().strip().split("\n")[-1]
catch = wait(lambda s: total(s) >= 120000)
catch_up = time.perf_counter() - stopped
p = lambda xs, q: sorted(xs)[min(len(xs) - 1, int(len(xs) * q))] * 1000
print(f"sender: {summary}")
print("idle samples (ms):", " ".join(f"{x*1000:.0f}" for x in idle))
print("| what | figure |")
print("|---|---:|")
print(f"| first frame with 100,000 stored deliveries | {first*1000:.0f} ms |")
print(f"| resident memory after the first frame | {rss:.0f} MiB |")
print(f"| capture-pane round trip (baseline) | {base*1000:.1f} ms |")
print(f"| key → screen, idle (median / max) | {p(idle,0.5):.1f} / {max(idle)*1000:.1f} ms |")
print(f"| key → screen, during 2,000 deliveries/s (median / p95 / max, n={len(loaded)}) | {p(loaded,0.5):.1f} / {p(loaded,0.95):.1f} / {max(loaded)*1000:.1f} ms |")
print(f"| loaded / idle key latency (median) | {p(loaded,0.5)/max(p(idle,0.5),1e-3):.2f} |")
print(f"| list caught up after the sender stopped | {catch_up*1000:.0f} ms (includes one capture round trip) |")
PY

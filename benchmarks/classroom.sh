#!/usr/bin/env bash
# A class presses Train at once: 30 simulated students on the binary page.
#
#     benchmarks/classroom.sh            # 30 students, the page's default run at pace=fastest
#     STUDENTS=10 QUERY="steps=200" benchmarks/classroom.sh
#     SERVER_ARGS="--runner.postScriptGC false" benchmarks/classroom.sh
#     PIN=1 benchmarks/classroom.sh                    # the server pinned to one core
#     REPLICAS=2 PIN=0 STUDENTS=60 benchmarks/classroom.sh   # replicas free to move
#     REPLICAS=2 STUDENTS=60 benchmarks/classroom.sh   # HAProxy in front of 2 replicas
#
# Serves the app headless, loads one page first (imports, chart specs), then runs
# benchmarks/classroom.py (Streamlit's websocket protocol as ../shared/tools/classroom
# speaks it, plus the live panel's frame stream, which each student reads over HTTP
# until its run is over, as a browser does; no browser). Prints the
# classroom summary (who finished, click-to-done, server RSS), the pure compute of the
# same runs (the CPU seconds of probnn's Run alone, one torch thread, the median of 14
# timings around the class, times the number of students; see pure_compute below), the
# server's CPU time during the class, and last
#
#     classroom last_done_s X pure_compute_s Y ratio Z ratio_best W ratio_served S rss_peak_mb R
#
# (ratio_best: the same against the fastest of the 14 timings. ratio_served: against the
# runs' own training as it ran in the servers, the CPU seconds each server notes for each
# run that ends (PROBNN_RUN_LOG), summed, over the cores: the same yardstick without the
# host's drift between the bare timings and the class, which on this machine moves a
# run's cost by half within minutes.) The simulated students
# run on the same cores as the servers and their CPU is printed: on this 2-core machine
# they take a few percent of the cores' time (5-6 s in a class of 200 on two cores),
# which a class's own laptops would not.
#
# PIN=1 runs the single server under `taskset -c 0`: one core, as a Community Cloud app or a
# container limited to one CPU. REPLICAS=N starts N replicas behind HAProxy
# (deploy/local_cluster.py, which pins replica i to core i; PIN=0: not) and sends every student
# through it, each with a cookie jar of its own; the pure compute is then divided by the
# cores the replicas can use (min(N, nproc)), and rss_peak_mb is the largest replica's
# (each one's is printed above).
#
# Goal: every student finishes, ratio (last done / pure compute of all runs per core)
# <= 1.5, peak RSS <= 1000 MB per server.
set -euo pipefail
cd "$(dirname "$0")/.."
STUDENTS="${STUDENTS:-30}"
QUERY="${QUERY:-pace=fastest}"  # the pages train at a watchable pace by default
REPLICAS="${REPLICAS:-0}"
PIN="${PIN:-}"  # empty: replicas pinned (local_cluster's default), a single server not
free_port() { python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT="${PORT:-$(free_port)}"
LOG="$(mktemp /tmp/classroom-server-XXXX.log)"
# every server notes each run that ends, with the CPU seconds of its training alone
# (probnn.live's PROBNN_RUN_LOG): the class's own compute, as it ran
RUNS="$(mktemp /tmp/classroom-runs-XXXX.log)"
export PROBNN_RUN_LOG="$RUNS"
PIN_CLUSTER=() PIN_SERVER=()
if [ "$PIN" = 1 ]; then PIN_SERVER=(taskset -c 0); fi
if [ "$PIN" = 0 ]; then PIN_CLUSTER=(--no-pin); fi

# the pure compute of the class: the CPU seconds of one run alone, times the number of
# students. The host's speed moves within seconds (the same run took 0.22-0.39 s in ten
# tries here) and drifts over a minute, so one run is timed 7 times right before the class
# and 7 times right after it: the median of the 14 is the pure compute (what a run costs on
# this host at the time of the class), the best of them a stricter yardstick, printed too.
# (Prints the 7 times of one run.)
pure_compute() {
    python - "$STUDENTS" "$QUERY" <<'EOF'
import sys, time
import torch
from benchmarks.live_training import bare_compute
students, query = int(sys.argv[1]), sys.argv[2]
q = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
bare_compute(dict(q, steps="20"), "binary")  # warm-up: first steps pay one-off costs
runs = []
for _ in range(7):
    t0 = time.process_time()
    bare_compute(q, "binary")
    runs.append(time.process_time() - t0)
print(" ".join(f"{r:.4f}" for r in runs))
EOF
}

wait_healthy() {
    for _ in $(seq 240); do
        curl -fs "http://127.0.0.1:$1/_stcore/health" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "no answer on port $1" >&2
    return 1
}
# one student first: a server imports torch and builds the chart specs once
warm_up() {
    python benchmarks/classroom.py --port "$1" --students 1 --page-like binary \
        ${QUERY:+--query "$QUERY"} >/dev/null
}
cpu_of() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }

if [ "$REPLICAS" -gt 0 ]; then
    WORK="$(mktemp -d /tmp/classroom-cluster-XXXX)"
    python deploy/local_cluster.py --replicas "$REPLICAS" --port "$PORT" --workdir "$WORK" \
        "${PIN_CLUSTER[@]}" >"$LOG" 2>&1 &
    CLUSTER=$!
    trap 'kill "$CLUSTER" 2>/dev/null || true; wait "$CLUSTER" 2>/dev/null || true' EXIT
    for _ in $(seq 240); do grep -q "^haproxy" "$LOG" && break; sleep 0.5; done
    grep -q "^haproxy" "$LOG" || { cat "$LOG"; exit 1; }
    PIDS=$(sed -n 's/^replica .* (pid \([0-9]*\))$/\1/p' "$LOG")
    HAPROXY=$(sed -n 's/^haproxy (pid \([0-9]*\)).*/\1/p' "$LOG")
    for p in $(sed -n 's/^replica [^:]*: http:\/\/127.0.0.1:\([0-9]*\) .*/\1/p' "$LOG"); do
        warm_up "$p"
    done
    CORES=$(( REPLICAS < $(nproc) ? REPLICAS : $(nproc) ))
    TARGET=(--url "http://127.0.0.1:$PORT" --pids "$(echo $PIDS | tr ' ' ,)")
    echo "$REPLICAS replicas behind HAProxy on port $PORT (pids $(echo $PIDS)), $CORES cores"
else
    # shellcheck disable=SC2086  # SERVER_ARGS: extra streamlit options, word-split on purpose
    "${PIN_SERVER[@]}" python -m streamlit run app.py --server.headless true \
        --server.port "$PORT" --browser.gatherUsageStats false ${SERVER_ARGS:-} >"$LOG" 2>&1 &
    SERVER=$!
    trap 'kill "$SERVER" 2>/dev/null || true' EXIT
    wait_healthy "$PORT"
    warm_up "$PORT"
    PIDS=$SERVER
    CORES=1
    TARGET=(--port "$PORT" --server-pid "$SERVER")
fi
echo "cores: $(for p in $PIDS; do taskset -cp "$p"; done | tr '\n' ' ')"
# shellcheck disable=SC2086  # PIDS: word-split on purpose
PURE_BEFORE=$(pure_compute)
: >"$RUNS"  # the warm-up's runs are not the class's
CPU0=$(cpu_of $PIDS)
[ "$REPLICAS" -gt 0 ] && LB0=$(cpu_of "$HAPROXY")
OUT="$(python benchmarks/classroom.py "${TARGET[@]}" \
    --students "$STUDENTS" --page-like binary --click Train --timeout 900 \
    ${QUERY:+--query "$QUERY"})" || true
# shellcheck disable=SC2086
CPU1=$(cpu_of $PIDS)
echo "$OUT" | grep -m 5 FAIL || true  # the first students who did not finish clean, if any
echo "$OUT" | tail -n 6
if [ "$REPLICAS" -gt 0 ]; then
    LB1=$(cpu_of "$HAPROXY")
    sleep 1  # HAProxy logs a websocket when it closes
    echo "haproxy CPU during the class: $(awk "BEGIN {printf \"%.1f\", ($LB1 - $LB0) / $(getconf CLK_TCK)}") s;" \
        "websockets per replica: $(grep -o 'replicas/r[0-9]* .* 101 .*GET /_stcore/stream' \
        "$WORK/haproxy.log" | cut -d' ' -f1 | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
fi
cp "$RUNS" "$RUNS.class"  # before the pure compute's own runs (not served) could add any
PURE_AFTER=$(pure_compute)
HZ=$(getconf CLK_TCK)
python - "$OUT" "$PURE_BEFORE" "$PURE_AFTER" "$STUDENTS" "$CPU0" "$CPU1" "$HZ" "$CORES" \
    "$RUNS.class" <<'EOF'
import re, statistics, sys
out, before, after = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
students, cpu0, cpu1, hz, cores = map(float, sys.argv[4:9])
runs = [line.split() for line in open(sys.argv[9]) if line.strip()]
times = [float(t) for t in before + after]
print(f"one run alone (CPU s): before the class {min(map(float, before)):.3f}-"
      f"{max(map(float, before)):.3f}, after {min(map(float, after)):.3f}-{max(map(float, after)):.3f}")
pure, best = students * statistics.median(times), students * min(times)
last_match = re.search(r"click-to-done median [\d.]+ s max ([\d.]+) s", out)
replicas = [float(mb) for mb in re.findall(r"\d+ (\d+) MB", out.split("peak RSS per process:")[-1])]
peak = re.search(r"peak (\d+)", out)
rss = max(replicas) if "peak RSS per process:" in out else (float(peak.group(1)) if peak else float("nan"))
last = float(last_match.group(1)) if last_match else float("nan")
cpu = (cpu1 - cpu0) / hz
share = pure / cores
print(f"pure compute of all runs (median run): {pure:.1f} s, per core ({cores:.0f}): {share:.1f} s "
      f"(best run: {best:.1f} s, {best / cores:.1f} s); server CPU during the class: {cpu:.1f} s "
      f"({cpu / pure:.2f} x the pure compute)")
# the runs' own compute in the servers: the CPU seconds of each one's training, as it ran
# beside the others (what the bare timings estimate, without the host's drift between them)
own = [float(r[2]) for r in runs if len(r) == 4 and r[0] == "finished"]
served = sum(own)
if own:
    print(f"the runs' own training in the servers: {len(own)} runs, {served:.1f} s of CPU "
          f"(median run {statistics.median(own):.3f} s), per core {served / cores:.1f} s")
ratio_served = last / (served / cores) if own else float("nan")
print(f"classroom last_done_s {last:.1f} pure_compute_s {share:.1f} ratio {last / share:.2f} "
      f"ratio_best {last / (best / cores):.2f} ratio_served {ratio_served:.2f} "
      f"rss_peak_mb {rss:.0f}")
EOF
rm -f "$RUNS" "$RUNS.class"

#!/usr/bin/env bash
# A class presses Train at once: 30 simulated students on the binary page.
#
#     benchmarks/classroom.sh            # 30 students, default settings of the page
#     STUDENTS=10 QUERY="steps=200" benchmarks/classroom.sh
#     SERVER_ARGS="--runner.postScriptGC false" benchmarks/classroom.sh
#
# Serves the app headless, loads one page first (imports, chart specs), then runs
# benchmarks/classroom.py (Streamlit's websocket protocol as ../shared/tools/classroom
# speaks it, plus the live panel's frame stream, which each student reads over HTTP
# until its run is over, as a browser does; no browser). Prints the
# classroom summary (who finished, click-to-done, server RSS), the pure compute of the
# same runs (probnn's Run alone, one torch thread, times the number of students), the
# server's CPU time during the class, and last
#
#     classroom last_done_s X pure_compute_s Y ratio Z rss_peak_mb R
#
# Goal: every student finishes, ratio (last done / pure compute of all runs) <= 1.5,
# peak RSS <= 1000 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
STUDENTS="${STUDENTS:-30}"
QUERY="${QUERY:-}"
PORT="${PORT:-$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
LOG="$(mktemp /tmp/classroom-server-XXXX.log)"

PURE=$(python - "$STUDENTS" "$QUERY" <<'EOF'
import sys, time
import torch
from benchmarks.live_training import bare_compute
students, query = int(sys.argv[1]), sys.argv[2]
q = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
bare_compute(dict(q, steps="20"), "binary")  # warm-up: first steps pay one-off costs
runs = [bare_compute(q, "binary") for _ in range(3)]
print(f"{students * min(runs):.2f}")
EOF
)

# shellcheck disable=SC2086  # SERVER_ARGS: extra streamlit options, word-split on purpose
python -m streamlit run app.py --server.headless true --server.port "$PORT" \
    --browser.gatherUsageStats false ${SERVER_ARGS:-} >"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 120); do
    curl -fs "http://127.0.0.1:$PORT/_stcore/health" >/dev/null 2>&1 && break
    sleep 0.5
done
# one student first: the server imports torch and builds the chart specs once
python benchmarks/classroom.py --port "$PORT" --students 1 --page-like binary \
    ${QUERY:+--query "$QUERY"} >/dev/null
CPU0=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
OUT="$(python benchmarks/classroom.py --port "$PORT" --server-pid "$SERVER" \
    --students "$STUDENTS" --page-like binary --click Train --timeout 900 \
    ${QUERY:+--query "$QUERY"})" || true
CPU1=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
echo "$OUT" | tail -n 4
HZ=$(getconf CLK_TCK)
python - "$OUT" "$PURE" "$CPU0" "$CPU1" "$HZ" <<'EOF'
import re, sys
out, pure, cpu0, cpu1, hz = sys.argv[1], float(sys.argv[2]), *map(float, sys.argv[3:])
last_match = re.search(r"click-to-done median [\d.]+ s max ([\d.]+) s", out)
peak = re.search(r"peak (\d+)", out)
last = float(last_match.group(1)) if last_match else float("nan")
cpu = (cpu1 - cpu0) / hz
print(f"pure compute of all runs: {pure:.1f} s; server CPU during the class: {cpu:.1f} s "
      f"({cpu / pure:.2f} x the pure compute)")
print(f"classroom last_done_s {last:.1f} pure_compute_s {pure:.1f} ratio {last / pure:.2f} "
      f"rss_peak_mb {peak.group(1) if peak else 'nan'}")
EOF

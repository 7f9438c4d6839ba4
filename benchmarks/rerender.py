"""Server-side re-render time of a page when one widget moves (median over AppTest reruns).

    python benchmarks/rerender.py lessons/entropy.py --widget sigma --values 0.5,2.0
    python benchmarks/rerender.py lessons/entropy.py          # every slider on the page, in turn

It runs the page once, then alternates the widget between the given values (or between
its minimum-side and maximum-side quarter points for a slider) and times each rerun.
Prints one line per widget (wall and CPU medians), then `cpu_ms X.X` (the worst widget's
CPU median: what the rerun costs, without waiting for a busy core) and, last,
`median_ms X.X` (the worst widget's wall median), so a goal like "<= 30 ms" is read off
the last line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402


def _values_for(widget, given):
    if given:
        return [type(widget.value)(v) for v in given]
    lo, hi = widget.min, widget.max
    a, b = lo + (hi - lo) * 0.25, lo + (hi - lo) * 0.75
    step = widget.step or 0
    if isinstance(widget.value, int):
        a, b = int(a), int(b)
    elif step:
        a, b = round(a / step) * step, round(b / step) * step
    return [a, b]


def measure(page: str, key: str | None, values, repeats: int, query: dict) -> list[tuple[str, float, float]]:
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.query_params.update(query)
    at.run()
    if at.exception:
        raise SystemExit(f"{page} raised: {at.exception[0].value}")
    keys = [key] if key else [s.key for s in at.slider if s.key]
    results = []
    for k in keys:
        widget = at.slider(key=k)
        vals = _values_for(widget, values)
        times, cpu = [], []
        for i in range(repeats):
            at.slider(key=k).set_value(vals[i % len(vals)])
            t, c = time.perf_counter(), time.process_time()
            at.run()
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            if at.exception:
                raise SystemExit(f"{page} raised after {k}={vals[i % len(vals)]}: {at.exception[0].value}")
        results.append((k, statistics.median(times[1:]) * 1000, statistics.median(cpu[1:]) * 1000))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("page")
    ap.add_argument("--widget", help="slider key (default: every slider on the page)")
    ap.add_argument("--values", help="comma-separated values to alternate between")
    ap.add_argument("--repeats", type=int, default=21)
    ap.add_argument("--query", default="", help="URL query string to start from, e.g. family=normal")
    args = ap.parse_args()
    query = dict(p.split("=", 1) for p in args.query.split("&") if "=" in p)
    values = args.values.split(",") if args.values else None
    results = measure(args.page, args.widget, values, args.repeats, query)
    for key, ms, cpu in results:
        print(f"{args.page} slider {key}: median {ms:.1f} ms wall, {cpu:.1f} ms CPU")
    # CPU time is what the rerun itself costs; wall time adds waiting for a busy core.
    print(f"cpu_ms {max(c for _, _, c in results):.1f}")
    print(f"median_ms {max(ms for _, ms, _ in results):.1f}")


if __name__ == "__main__":
    main()

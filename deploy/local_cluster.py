"""N replicas of the app behind HAProxy, on this machine: a lecture hall in small.

    python deploy/local_cluster.py --replicas 2 [--port 8080] [--no-pin]

Starts N ``streamlit run app.py`` processes, each on a free port of 127.0.0.1, and
HAProxy (Debian's ``haproxy``) in front of them with deploy/haproxy/haproxy.cfg, whose
``bind`` lines and ``server`` lines it replaces with its own; everything else
(stickiness by cookie, timeouts, health checks) is that file's. Prints the address to
open and HAProxy's status page, then waits; Ctrl+C or SIGTERM stops all of it.
Replica i runs on core i alone (``taskset``; core i mod N on a machine of N cores), as a
Kubernetes pod with a core of its own: one server uses one core at most, and a replica
pinned to a core does the same work with less CPU than one whose threads move between
cores (README, Deploy: 60 and 200 students on two replicas). ``--no-pin`` lets the
system place them.

Used by tests/deploy and ``benchmarks/classroom.sh`` (REPLICAS=2) as a module:

    with Cluster(replicas=2) as cluster:
        cluster.url          # http://127.0.0.1:PORT, through HAProxy
        cluster.replicas     # [Replica(name="r1", port=..., process=...), ...]
        cluster.haproxy_log  # one line per request, naming the replica that served it
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
HAPROXY = os.environ.get("HAPROXY", shutil.which("haproxy") or "/usr/sbin/haproxy")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as r:
            return r.read().strip() == b"ok"
    except OSError:
        return False


@dataclass
class Replica:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def config(template: str, port: int, stats_port: int, replicas: list[tuple[str, int]]) -> str:
    """deploy/haproxy/haproxy.cfg with this cluster's binds and servers: the ``bind`` of
    ``frontend probnn`` on ``port``, that of ``frontend stats`` on ``stats_port``, and one
    ``server`` line per replica (name, port) where the file has its own."""
    out: list[str] = []
    section = ""
    servers_done = False
    for line in template.splitlines():
        stripped = line.strip()
        if line and not line[0].isspace():
            section = stripped
        if stripped.startswith("bind ") and section == "frontend probnn":
            line = f"    bind 127.0.0.1:{port}"
        elif stripped.startswith("bind ") and section == "frontend stats":
            line = f"    bind 127.0.0.1:{stats_port}"
        elif stripped.startswith("server ") and section == "backend replicas":
            if servers_done:
                continue
            servers_done = True
            out.extend(f"    server {n} 127.0.0.1:{p} cookie {n}" for n, p in replicas)
            continue
        out.append(line)
    if not servers_done:
        raise ValueError("the HAProxy config has no server lines in 'backend replicas'")
    return "\n".join(out) + "\n"


class Cluster:
    """Replicas of the app and HAProxy in front of them; a context manager."""

    def __init__(self, replicas: int = 2, port: int | None = None, *, pin: bool = False,
                 workdir: Path | None = None, server_args: tuple[str, ...] = (),
                 env: dict[str, str] | None = None):
        self.count, self.port, self.pin = replicas, port or free_port(), pin
        self.stats_port = free_port()
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="probnn-cluster-")
        self.workdir = Path(workdir or self._tmp.name)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.server_args, self.env = tuple(server_args), env
        self.replicas: list[Replica] = []
        self.haproxy: subprocess.Popen | None = None
        self.haproxy_log = self.workdir / "haproxy.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stats_url(self) -> str:
        return f"http://127.0.0.1:{self.stats_port}/"

    def _start_replica(self, i: int) -> Replica:
        name, port = f"r{i + 1}", free_port()
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false", *self.server_args]
        if self.pin:
            cores = sorted(os.sched_getaffinity(0))
            cmd = ["taskset", "-c", str(cores[i % len(cores)]), *cmd]
        log = self.workdir / f"{name}.log"
        with open(log, "w") as out:
            process = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                       env=self.env)
        return Replica(name, port, process, log)

    def start(self, timeout: float = 120) -> Cluster:
        try:
            self.replicas = [self._start_replica(i) for i in range(self.count)]
            deadline = time.monotonic() + timeout
            for replica in self.replicas:
                while not healthy(replica.url):
                    if replica.process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"replica {replica.name} did not come up:\n"
                                           + replica.log.read_text()[-2000:])
                    time.sleep(0.2)
            cfg = self.workdir / "haproxy.cfg"
            cfg.write_text(config(CONFIG.read_text(), self.port, self.stats_port,
                                  [(r.name, r.port) for r in self.replicas]))
            with open(self.haproxy_log, "w") as out:
                # -db: in the foreground, logs to stdout (the config's `log stdout`)
                self.haproxy = subprocess.Popen([HAPROXY, "-db", "-f", str(cfg)],
                                                stdout=out, stderr=subprocess.STDOUT)
            while not self.all_up():
                if self.haproxy.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("HAProxy did not come up:\n"
                                       + self.haproxy_log.read_text()[-2000:])
                time.sleep(0.2)
        except BaseException:
            self.stop()
            raise
        return self

    def status(self) -> dict[str, str]:
        """{replica: HAProxy's status of it ("UP", "DOWN", ...)}, from the stats page."""
        try:
            with urllib.request.urlopen(f"{self.stats_url};csv", timeout=2) as r:
                rows = r.read().decode().splitlines()
        except OSError:
            return {}
        head = rows[0].lstrip("# ").split(",")
        out = {}
        for row in rows[1:]:
            cells = dict(zip(head, row.split(","), strict=False))
            if cells.get("pxname") == "replicas" and cells.get("svname") not in (
                "FRONTEND", "BACKEND"):
                out[cells["svname"]] = cells.get("status", "")
        return out

    def all_up(self) -> bool:
        status = self.status()
        return len(status) == self.count and all(s.startswith("UP") for s in status.values())

    def stop(self, grace: float = 10) -> None:
        procs = [r.process for r in self.replicas] + ([self.haproxy] if self.haproxy else [])
        for p in procs:
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + grace
        for p in procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def served_by(self) -> list[tuple[str, str]]:
        """(replica, request line) of each request in HAProxy's log so far."""
        pattern = re.compile(r" replicas/(\S+) .*?\"(\S+ \S+)")
        lines = self.haproxy_log.read_text().splitlines() if self.haproxy_log.exists() else []
        return [(m.group(1), m.group(2)) for m in map(pattern.search, lines) if m]

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--port", type=int, default=8080, help="HAProxy's port (0: a free one)")
    ap.add_argument("--pin", action=argparse.BooleanOptionalAction, default=True,
                    help="run replica i on core i alone (taskset; the default)")
    ap.add_argument("--workdir", type=Path, help="keep the config and the logs here")
    args = ap.parse_args()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with Cluster(args.replicas, args.port or None, pin=args.pin, workdir=args.workdir) as c:
        for r in c.replicas:
            print(f"replica {r.name}: {r.url} (pid {r.process.pid})", flush=True)
        print(f"haproxy (pid {c.haproxy.pid}): open {c.url}   status page {c.stats_url}",
              flush=True)
        while not stop.is_set():
            dead = [r.name for r in c.replicas if r.process.poll() is not None]
            if dead or c.haproxy.poll() is not None:
                print(f"stopped by itself: {dead or 'haproxy'}", flush=True)
                return 1
            stop.wait(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Replicas behind HAProxy (deploy/local_cluster.py, deploy/haproxy/haproxy.cfg): every
request of one browser reaches one replica, by HAProxy's cookie, and a replica that
stops is taken out by HAProxy's health check."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import urllib.request
from argparse import Namespace

import pytest

from deploy import local_cluster
from tests.deploy.conftest import ROOT, need

CONFIG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"


def _haproxy():
    need(
        None
        if shutil.which(local_cluster.HAPROXY) or shutil.which("haproxy")
        else "no haproxy (apt-get install -y haproxy)"
    )
    return local_cluster.HAPROXY


def test_the_config_is_valid_as_it_is_and_as_the_cluster_writes_it(tmp_path):
    haproxy = _haproxy()
    ok = subprocess.run([haproxy, "-c", "-f", str(CONFIG)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    text = local_cluster.config(
        CONFIG.read_text(), 9000, 9001, [("r1", 9101), ("r2", 9102), ("r3", 9103)]
    )
    assert "    bind 127.0.0.1:9000" in text and "    bind 127.0.0.1:9001" in text
    servers = [line.strip() for line in text.splitlines() if line.strip().startswith("server ")]
    assert servers == [f"server r{i} 127.0.0.1:910{i} cookie r{i}" for i in (1, 2, 3)]
    (tmp_path / "cluster.cfg").write_text(text)
    ok = subprocess.run(
        [haproxy, "-c", "-f", str(tmp_path / "cluster.cfg")], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_the_config_holds_what_a_class_needs():
    text = CONFIG.read_text()
    for line in (
        "cookie probnn_replica insert indirect nocache httponly",
        "option httpchk GET /_stcore/health",
        "http-check expect string ok",
        "timeout tunnel 2h",
        "timeout server 75s",
        "option redispatch",
    ):
        assert f"    {line}\n" in text, line


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    _haproxy()
    with local_cluster.Cluster(replicas=2, workdir=tmp_path_factory.mktemp("cluster")) as c:
        yield c


def _replica(url: str, cookie: str | None = None) -> str:
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(f"{url}/_stcore/health", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as r:
        return r.headers["X-Probnn-Replica"]


def test_without_the_cookie_requests_spread_over_the_replicas(cluster):
    assert {_replica(cluster.url) for _ in range(8)} == {"r1", "r2"}


def test_a_students_websocket_start_and_stream_all_reach_one_replica(cluster):
    """Four students at once, each with a cookie jar of its own as a browser has, open the
    binary page and press Train: each one's health check (the page's first request), its
    websocket, its POST to the start route and its frame stream are answered by one
    replica, the one HAProxy's cookie names, and the students are spread over both."""
    from benchmarks.classroom import Student

    class Browser(Student):
        cookies = True

    async def lesson():
        deadline = time.perf_counter() + 120
        args = Namespace(
            page="binary", query="pace=fastest", click="Train", until=None, timeout=120
        )
        url = cluster.url.replace("http://", "ws://") + "/_stcore/stream"
        return await asyncio.gather(*(Browser(i, args).run(url, deadline) for i in range(4)))

    students = asyncio.run(lesson())
    seen = set()
    for s in students:
        assert not s.exceptions and "finished" in s.final.get("status", ""), s.exceptions
        kinds = [what for what, _ in s.replicas]
        assert kinds[:2] == ["health", "websocket"] and {"start", "stream"} <= set(kinds), kinds
        names = {name for _, name in s.replicas}
        assert len(names) == 1 and None not in names, s.replicas
        cookie = {c.name: c.value for c in s.jar}["probnn_replica"]
        assert names == {cookie}
        seen |= names
    assert seen == {"r1", "r2"}
    # HAProxy's own log says the same: each start and stream request went to its student's
    log = cluster.served_by()
    for s in students:
        token = s.train["start"].rsplit("/", 1)[1]
        served = {server for server, request in log if token in request}
        assert served == {s.replicas[0][1]}, (token, served)


def test_a_replica_that_stops_is_taken_out_and_its_students_move(tmp_path):
    """The health check: once r1 stops answering, HAProxy marks it down, and a browser
    whose cookie names r1 is sent to r2 (where its page starts a new session). A cluster
    of its own: the others' tests keep both replicas."""
    _haproxy()
    with local_cluster.Cluster(replicas=2, workdir=tmp_path) as cluster:
        _taken_out(cluster)


def _taken_out(cluster):
    assert _replica(cluster.url, "probnn_replica=r1") == "r1"
    r1 = next(r for r in cluster.replicas if r.name == "r1")
    r1.process.terminate()
    r1.process.wait(15)
    deadline = time.monotonic() + 20
    while not cluster.status().get("r1", "").startswith("DOWN"):
        assert time.monotonic() < deadline, cluster.status()
        time.sleep(0.25)
    assert {_replica(cluster.url, "probnn_replica=r1") for _ in range(4)} == {"r2"}
    assert {_replica(cluster.url) for _ in range(4)} == {"r2"}

"""`/metrics` sums the counts of every gunicorn worker (multiprocess mode)."""

import http.client
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[4]
TOKEN = "two-workers-token"
REQUESTS = 40
VIEW = "analytics-system-health-status"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, headers=None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture
def two_workers(tmp_path):
    """Serve a fresh SQLite database with gunicorn, 2 workers, one multiproc dir."""
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
        "METRICS_TOKEN": TOKEN,
    }
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )
    port = free_port()
    server = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "-c",
            "config/gunicorn.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port, multiproc
    finally:
        server.terminate()
        # A clean exit: child_exit (config/gunicorn.py) ran for both workers.
        assert server.wait(timeout=30) == 0


def counter_files(multiproc) -> set[str]:
    return {path.name for path in multiproc.glob("counter_*.db")}


def test_request_counts_are_summed_across_two_workers(two_workers):
    port, multiproc = two_workers
    path = "/api/v1/analytics/system-health/status/"
    # Eight at a time, so that each sync worker answers some; a worker that was
    # still booting gets its share from a later batch (one file per writer).
    sent, statuses = 0, []
    deadline = time.monotonic() + 30
    with ThreadPoolExecutor(max_workers=8) as pool:
        while sent < REQUESTS or len(counter_files(multiproc)) < 2:
            assert time.monotonic() < deadline, counter_files(multiproc)
            statuses += pool.map(lambda _: get(port, path)[0], range(8))
            sent += 8
    assert statuses == [401] * sent

    status, body = get(port, "/metrics", {"Authorization": f"Bearer {TOKEN}"})

    assert status == 200
    counted = {
        sample.labels["status"]: sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == "http_requests_total" and sample.labels["view"] == VIEW
    }
    assert counted == {"401": sent}
    assert len(counter_files(multiproc)) == 2

"""Benchmark: tracking throughput and dashboard latency through gunicorn.

Run by hand against a throwaway PostgreSQL database and Redis (it reseeds them):

    createdb -h 127.0.0.1 -U postgres mia_api_bench
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mia_api_bench \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/11 .venv/bin/python bench/api_throughput.py
    dropdb -h 127.0.0.1 -U postgres mia_api_bench

It serves the project with gunicorn (2 workers, the machine's cores) on 127.0.0.1
and drives it from 4 client threads with keep-alive connections, bounded by a
request count. Baseline in the same run: `GET /api/v1/auth/me/`, the cheapest
authenticated endpoint, so the ratios say what tracking costs beyond the stack.
"""

import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8798
CLIENTS = 4
REQUESTS = 2000
BATCHES = 40
BATCH_SIZE = 500


def env() -> dict:
    values = {
        **os.environ,
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", "sqlite:////tmp/mia-api-bench.sqlite3"
        ),
        "API_TRACK_RATE": "10000000/min",
        "ANALYTICS_LOG_LEVEL": "WARNING",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    if os.environ.get("BENCH_REDIS_URL"):
        values["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    return values


def manage(*args) -> str:
    return subprocess.run(  # noqa: S603 - our interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def request(conn, method, path, token, body=None):
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def drive(method, path, token, make_body, count) -> float:
    """Send `count` requests from CLIENTS threads; return requests per second."""
    per_client = count // CLIENTS
    errors = []

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        for _ in range(per_client):
            status = request(conn, method, path, token, make_body())
            if status >= 300:
                errors.append(status)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{path}: {len(errors)} failed requests, e.g. {errors[0]}")
    return per_client * CLIENTS / elapsed


def event():
    return {
        "engagement_type": "meeting_view",
        "session_id": "bench",
        "entity_type": "meeting",
        "entity_id": "1",
        "event_id": str(uuid.uuid4()),
    }


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    manage("migrate", "--noinput")
    manage("seed_demo", "--reset")
    manage("collect_analytics", "--period", "daily", "--days-back", "90")
    token = manage("create_api_token", "manager", "--name", "bench").split()[-1]
    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env(),
    )
    try:
        time.sleep(3)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        timings = []
        for _ in range(6):
            started = time.perf_counter()
            request(conn, "GET", "/api/v1/analytics/dashboard/?days=30", token)
            timings.append((time.perf_counter() - started) * 1000)
        baseline = drive("GET", "/api/v1/auth/me/", token, lambda: None, REQUESTS)
        single = drive(
            "POST", "/api/v1/analytics/track-engagement/", token, event, REQUESTS
        )
        batch = drive(
            "POST",
            "/api/v1/analytics/track-engagement/",
            token,
            lambda: {"events": [event() for _ in range(BATCH_SIZE)]},
            BATCHES,
        )
        print(f"baseline GET auth/me/: {baseline:.0f} requests/s")
        print(
            f"POST track-engagement/ (single): {single:.0f} requests/s "
            f"({single / baseline:.2f}x baseline)"
        )
        print(
            f"POST track-engagement/ (batches of {BATCH_SIZE}): "
            f"{batch * BATCH_SIZE:.0f} events/s ({batch:.1f} batches/s)"
        )
        print(
            f"dashboard (30 days, manager): cold {timings[0]:.0f} ms, "
            f"warm median {statistics.median(timings[1:]):.1f} ms"
        )
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()

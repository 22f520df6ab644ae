"""Benchmark: what the request metrics middleware costs per request.

Run by hand against a throwaway PostgreSQL database and Redis (it reseeds them):

    createdb -h 127.0.0.1 -U postgres mia_metrics_bench
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mia_metrics_bench \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/11 .venv/bin/python bench/request_metrics.py
    dropdb -h 127.0.0.1 -U postgres mia_metrics_bench

Two gunicorns (2 workers each) serve the same database and Redis, one with the
middleware (prometheus-client in multiprocess mode and the shared timings store,
as deployed) and one without (REQUEST_METRICS_ENABLED=false); they are driven in
turn, several alternating rounds, from 4 keep-alive client threads on the
cheapest authenticated endpoint, so the difference is the middleware's own cost.
"""

import http.client
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_throughput import env, manage  # the sibling bench: same env and setup

ROOT = Path(__file__).resolve().parent.parent
PORTS = {"with": 8796, "without": 8795}
CLIENTS = 4
REQUESTS = 2000
ROUNDS = 6
PATH = "/api/v1/auth/me/"
CALLS = 5000
# The middleware alone, in one process: a view that does nothing, called CALLS
# times with and without the middleware around it (same store, same registry).
IN_PROCESS = f"""
import time, django
django.setup()
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve
from apps.analytics.middleware import RequestMetricsMiddleware
request = RequestFactory().get("{PATH}")
request.resolver_match = resolve("{PATH}")
view = lambda request: HttpResponse()
wrapped = RequestMetricsMiddleware(view)
for handler in (view, wrapped):
    handler(request)
def per_call(handler):
    started = time.perf_counter()
    for _ in range({CALLS}):
        handler(request)
    return (time.perf_counter() - started) / {CALLS} * 1e6
bare = min(per_call(view) for _ in range(3))
full = min(per_call(wrapped) for _ in range(3))
print(f"{{full - bare:.0f}}")
"""


def serve(port: int, extra: dict) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our gunicorn
        [
            str(ROOT / ".venv/bin/gunicorn"),
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
        env={**env(), **extra},
    )


def drive(port: int, token: str) -> float:
    """Send REQUESTS requests from CLIENTS threads; return requests per second."""
    per_client = REQUESTS // CLIENTS
    errors = []

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(per_client):
            conn.request("GET", PATH, headers={"Authorization": f"Token {token}"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return per_client * CLIENTS / elapsed


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    manage("migrate", "--noinput")
    manage("seed_demo", "--days", "7", "--users", "4", "--reset")
    token = manage("create_api_token", "manager", "--name", "bench").split()[-1]
    with tempfile.TemporaryDirectory() as multiproc:
        in_process = subprocess.run(  # noqa: S603 - our interpreter
            [sys.executable, "-c", IN_PROCESS],
            cwd=ROOT,
            env={
                **env(),
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "PROMETHEUS_MULTIPROC_DIR": multiproc,
            },
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        servers = [
            serve(PORTS["with"], {"PROMETHEUS_MULTIPROC_DIR": multiproc}),
            serve(PORTS["without"], {"REQUEST_METRICS_ENABLED": "false"}),
        ]
        try:
            time.sleep(4)
            for port in PORTS.values():  # warm both up
                drive(port, token)
            rates = {name: [] for name in PORTS}
            for _ in range(ROUNDS):
                for name, port in PORTS.items():
                    rates[name].append(drive(port, token))
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=20)
    with_, without = (statistics.median(rates[name]) for name in ("with", "without"))
    print(f"GET {PATH}, {ROUNDS} alternating rounds of {REQUESTS} requests:")
    for name in PORTS:
        print(f"  {name} middleware: " + ", ".join(f"{r:.0f}" for r in rates[name]))
    print(
        f"median: {with_:.0f} requests/s with, {without:.0f} without "
        f"({(1 - with_ / without) * 100:.1f}% fewer with it)"
    )
    print(f"the middleware alone, in process: {in_process} us per request")


if __name__ == "__main__":
    main()

"""`python -m bench.load`: a bounded, headless locust run of mixed traffic.

Like `python -m bench` it makes its own database (small scale data) and Redis
namespace and serves the project with gunicorn (2 workers) on 127.0.0.1 only;
locust then runs headless for --seconds with --users at --rate requests per
second each (80% tracking, 15% dashboard, 5% export and reports). It prints the
errors (must be 0), the throughput and the latency percentiles per request type.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.__main__ import PORT, SUITE_ROOT, _admin_sql, _environment, _serve, _token

DATABASE = f"{os.environ.get('BENCH_DATABASE_PREFIX', 'mia_perf_bench')}_load"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--rate", type=float, default=5.0, help="req/s per user")
    args = parser.parse_args()
    sys.path.insert(0, str(SUITE_ROOT))
    _admin_sql(f"DROP DATABASE IF EXISTS {DATABASE}")
    _admin_sql(f"CREATE DATABASE {DATABASE}")
    _environment(args, DATABASE)
    server = None
    try:
        import django

        django.setup()
        from django.core.cache import cache
        from django.core.management import call_command

        from bench.suite import data

        call_command("migrate", verbosity=0)
        cache.clear()
        org, _ = data.generate(data.SCALES["small"])
        call_command(
            "collect_analytics", "--period", "daily", "--days-back", str(data.DAYS)
        )
        server = _serve(SUITE_ROOT, org.member.pk)
        tokens = {
            "admin": _token(org.admin.username),
            "manager": _token(org.manager.username),
            "member": _token(org.member.username),
        }
        with tempfile.TemporaryDirectory() as out:
            env = {
                "BENCH_TOKENS": ",".join(f"{k}={v}" for k, v in tokens.items()),
                "BENCH_USER_RATE": str(args.rate),
            }
            import os

            subprocess.run(  # noqa: S603 - our locust, fixed arguments
                [
                    str(Path(sys.executable).parent / "locust"),
                    "-f",
                    str(SUITE_ROOT / "bench" / "locustfile.py"),
                    "--headless",
                    "--host",
                    f"http://127.0.0.1:{PORT}",
                    "--users",
                    str(args.users),
                    "--spawn-rate",
                    str(args.users),
                    "--run-time",
                    f"{args.seconds}s",
                    "--csv",
                    f"{out}/load",
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                env={**os.environ, **env},
                check=False,
            )
            summary(Path(out) / "load_stats.csv")
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        _admin_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def summary(path: Path) -> None:
    """Print one line per request type and the total from locust's stats CSV."""
    print(
        f"{'request':<24} {'count':>7} {'errors':>6} {'req/s':>7} "
        f"{'p50':>6} {'p95':>6} {'p99':>6} (ms)"
    )
    with path.open() as stats:
        for row in csv.DictReader(stats):
            print(
                f"{row['Name']:<24} {row['Request Count']:>7} "
                f"{row['Failure Count']:>6} {float(row['Requests/s']):>7.1f} "
                f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
            )


if __name__ == "__main__":
    main()

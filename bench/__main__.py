"""`python -m bench --scale small|medium|large`: S1-S6 against physical baselines.

It creates its own PostgreSQL database (mia_perf_bench_<scale>, the prefix set by
BENCH_DATABASE_PREFIX) and Redis
namespace (BENCH_REDIS_URL, default db 5, key prefix bench-<pid>), loads the
scale's data with COPY, collects the daily rollups, serves the project with
gunicorn (2 workers) on 127.0.0.1, runs the scenarios (each product figure
alternated with its baseline, median of --rounds), prints the table, writes
bench/results/<date>-<scale>.json and drops the database and namespace.
`--code /path/to/checkout` benchmarks another checkout's code (e.g. main) with
this suite, for before/after figures in one sitting. `--keep` keeps the
database; `--reuse` runs against the one a `--keep` run left (no generation, no
collection, kept), so the large scale is generated once for several runs.
"""

import argparse
import datetime as dt
import io
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SUITE_ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8791"))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
SIZES = {  # requests per round and batches per round, by scale
    "small": (400, 4),
    "medium": (600, 8),
    "large": (800, 8),
}


@dataclass
class Context:
    org: object
    port: int
    rounds: int
    requests: int
    batches: int
    admin_token: str
    manager_token: str
    member_token: str


def _admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _environment(args, database: str) -> dict:
    prefix = f"bench-{os.getpid()}"
    values = {
        "DATABASE_URL": f"{SERVER}/{database}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"),
        "CACHE_KEY_PREFIX": prefix,
        "API_TRACK_RATE": "100000000/min",
        "API_EXPORT_RATE": "100000000/min",
        "ANALYTICS_LOG_LEVEL": "WARNING",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    os.environ.update(values)
    return values


def _serve(code: Path, user_id: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": f"{code}:{SUITE_ROOT}",
        "BENCH_BASELINE_USER": str(user_id),
    }
    server = subprocess.Popen(  # noqa: S603 - our gunicorn, fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "bench.wsgi_app:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=code,
        env=env,
    )
    import http.client

    for _ in range(60):
        time.sleep(0.5)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            conn.request("GET", "/api/v1/auth/me/")
            conn.getresponse().read()
            return server
        except OSError:
            continue
    server.terminate()
    raise SystemExit("gunicorn did not start")


def _token(username: str) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("create_api_token", username, "--name", "bench", stdout=out)
    return out.getvalue().split()[-1]


def _table(rows) -> str:
    head = f"{'scenario':<40} {'product':>14} {'baseline':>14} {'ratio':>7}  "
    lines = [head + f"{'target':<15} met?"]
    for row in rows:
        base = "" if row.baseline is None else f"{row.baseline:,.1f}"
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
        met = {True: "yes", False: "NO", None: "-"}[row.met]
        lines.append(
            f"{row.scenario:<40} {row.product:>10,.1f} {row.unit:<3} {base:>14} "
            f"{ratio:>7}  {row.target:<15} {met}"
        )
    return "\n".join(lines)


def run(args) -> dict:
    code = Path(args.code).resolve() if args.code else SUITE_ROOT
    sys.path[:0] = [str(code), str(SUITE_ROOT)]
    # A prefix of its own per session when several benchmark on one server.
    prefix = os.environ.get("BENCH_DATABASE_PREFIX", "mia_perf_bench")
    database = f"{prefix}_{args.scale}"
    if not args.reuse:
        _admin_sql(f"DROP DATABASE IF EXISTS {database}")
        _admin_sql(f"CREATE DATABASE {database}")
    _environment(args, database)
    server = None
    started = time.perf_counter()
    try:
        import django

        django.setup()
        from django.core.cache import cache
        from django.core.management import call_command

        from bench.suite import data
        from bench.suite.scenarios import SCENARIOS

        cache.clear()
        scale = data.SCALES[args.scale]
        if args.reuse:  # a database an earlier --keep run left, as it is
            org, timings = data.existing(), {}
        else:
            call_command("migrate", verbosity=0)
            org, timings = data.generate(scale)
            print(
                f"data: {scale.events:,} events, {scale.users} users: "
                f"{timings['source_seconds']:.1f} s source, "
                f"{timings['events_seconds']:.1f} s events",
                flush=True,
            )
            began = time.perf_counter()
            call_command(
                "collect_analytics",
                "--period",
                "daily",
                "--days-back",
                str(data.DAYS),
                stdout=io.StringIO(),
            )
            timings["rollups_seconds"] = time.perf_counter() - began
            print(f"daily rollups: {timings['rollups_seconds']:.1f} s", flush=True)
        server = _serve(code, org.member.pk)
        requests, batches = SIZES[args.scale]
        ctx = Context(
            org,
            PORT,
            args.rounds,
            requests,
            batches,
            _token(org.admin.username),
            _token(org.manager.username),
            _token(org.member.username),
        )
        rows = []
        for name, scenario in SCENARIOS.items():
            if args.only and name not in args.only:
                continue
            began = time.perf_counter()
            result = scenario(ctx)
            rows.extend(result if isinstance(result, list) else [result])
            print(f"{name}: {time.perf_counter() - began:.1f} s", flush=True)
        table = _table(rows)
        print(table)
        load = os.getloadavg()
        return {
            "scale": args.scale,
            "code": str(code),
            "date": dt.datetime.now(dt.UTC).isoformat(),
            "machine": {
                "cores": os.cpu_count(),
                "python": platform.python_version(),
                "load_average_at_end": load,
            },
            "timings": timings,
            "seconds": time.perf_counter() - started,
            "rows": [row.as_dict() for row in rows],
            "table": table,
        }
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        try:
            from django.core.cache import cache
            from django.db import connections

            cache.clear()
            connections.close_all()
        except Exception as exc:  # the drop below matters more
            print(f"cleanup: {exc}", file=sys.stderr)
        if not (args.keep or args.reuse):
            _admin_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--scale", choices=("small", "medium", "large"), default="small"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="scenario names, e.g. S1 S4")
    parser.add_argument("--code", help="checkout whose code to benchmark")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="run against the database a --keep run left (no generation; kept)",
    )
    parser.add_argument("--label", default="", help="suffix of the results file")
    args = parser.parse_args()
    result = run(args)
    out = SUITE_ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M")
    path = out / f"{stamp}-{args.scale}{'-' + args.label if args.label else ''}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"{result['seconds']:.0f} s in all; written {path.relative_to(SUITE_ROOT)}")


if __name__ == "__main__":
    main()

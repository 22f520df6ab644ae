"""Fault drills on real components, bounded in time (CI's PostgreSQL leg).

1. Redis stops while events are tracked over HTTP (gunicorn, a private Redis on
   its own port): every acknowledged event must be stored, no answer may be a 500,
   and tracking must recover by itself when Redis is back.
2. A Celery pool child is killed with SIGKILL in the middle of
   `collect_performance_metrics`, and again in the middle of building a report:
   the task must run again, the rows must equal those of a clean run, and no
   report may stay `generating`.

Run with DATABASE_URL (a throwaway PostgreSQL database) and CELERY_BROKER_URL set;
it seeds the database itself. Prints the figures and exits non-zero on a failure.
"""

import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", "6391"))
HTTP_PORT = int(os.environ.get("FAULTS_HTTP_PORT", "8791"))
QUEUE = f"faults-{os.getpid()}"
WORKER_LOG = Path(tempfile.gettempdir()) / f"faults-worker-{os.getpid()}.log"
ENV = {
    **os.environ,
    "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "API_TRACK_RATE": "100000/min",
    # The collector's backfill makes a task long enough to be killed half-way.
    "ANALYTICS_BACKFILL_DAYS": "30",
}
os.environ.update(ENV)
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

failures: list[str] = []


def check(condition: bool, message: str) -> None:
    print(("ok    " if condition else "FAIL  ") + message, flush=True)
    if not condition:
        failures.append(message)


def wait_for(predicate, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def start_redis() -> subprocess.Popen:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    wait_for(lambda: redis_answers(), 10)
    return process


def redis_answers() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=0.2):
            return True
    except OSError:
        return False


def manage(*args: str) -> None:
    subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=ENV,
        check=True,
        stdout=subprocess.DEVNULL,
    )


# --- 1. Redis outage during HTTP tracking -----------------------------------------


def post(path: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{HTTP_PORT}{path}",
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Token {token}"} if token else {}),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}
    except OSError:
        return 0, {}  # no answer at all


def redis_outage_during_tracking() -> None:
    from apps.analytics.models import UserEngagementMetric

    redis = start_redis()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-c",
            "config/gunicorn.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{HTTP_PORT}",
            "--workers",
            "2",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=ENV,
    )
    try:
        check(
            bool(wait_for(lambda: post("/api/v1/auth/token/", {})[0], 30, 0.5)),
            "gunicorn answers",
        )
        status, body = post(
            "/api/v1/auth/token/", {"username": "member", "password": "demo"}
        )
        token = body.get("token", "")
        check(status == 200 and bool(token), f"member logs in ({status})")

        outcomes: list[tuple[str, int]] = []

        def send(n: int) -> None:
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                ids = [str(uuid.uuid4()) for _ in range(n)]
                codes = pool.map(
                    lambda event_id: post(
                        "/api/v1/analytics/track-engagement/",
                        {
                            "engagement_type": "search",
                            "session_id": "faults",
                            "event_id": event_id,
                        },
                        token,
                    )[0],
                    ids,
                )
                outcomes.extend(zip(ids, codes, strict=True))

        send(150)
        redis.send_signal(signal.SIGKILL)
        redis.wait(10)
        send(150)  # Redis down
        redis = start_redis()
        send(150)  # and back
        acknowledged = [i for i, code in outcomes if code in (200, 201)]
        errors = [code for _, code in outcomes if code >= 500 or code == 0]
        stored = UserEngagementMetric.objects.filter(event_id__in=acknowledged).count()
        print(
            f"      events sent {len(outcomes)}, acknowledged {len(acknowledged)}, "
            f"stored {stored}, 5xx or no answer {len(errors)}"
        )
        check(stored == len(acknowledged), "every acknowledged event is stored")
        check(not errors, "no 500 and no lost connection during the outage")
        check(len(acknowledged) == len(outcomes), "every event was acknowledged")
    finally:
        server.terminate()
        server.wait(20)
        redis.terminate()
        redis.wait(10)


# --- 2. A pool child killed mid-task ----------------------------------------------


def start_worker() -> subprocess.Popen:
    from config.celery import app

    # Its log (the expected WorkerLostError tracebacks) is printed on failure only.
    worker = subprocess.Popen(
        [
            PY,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "-Q",
            QUEUE,
            "--loglevel=WARNING",
            f"--hostname=faults-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=ENV,
        stdout=WORKER_LOG.open("w"),
        stderr=subprocess.STDOUT,
    )
    answered = wait_for(lambda: app.control.ping(timeout=0.5), 60, 0.5)
    check(bool(answered), "the Celery worker answers")
    return worker


def kill_pool_child(worker: subprocess.Popen) -> bool:
    children = subprocess.run(
        ["pgrep", "-P", str(worker.pid)], capture_output=True, text=True
    ).stdout.split()
    for pid in children:
        os.kill(int(pid), signal.SIGKILL)
    return bool(children)


def metric_rows() -> list:
    from apps.analytics.models import PerformanceMetric

    return sorted(
        PerformanceMetric.objects.values_list(
            "metric_type",
            "aggregation_period",
            "period_start",
            "user_id",
            "value",
            "metadata",
        ),
        key=repr,
    )


def killed_collection(worker: subprocess.Popen) -> None:
    from apps.analytics.models import PerformanceMetric
    from apps.analytics.tasks import collect_performance_metrics

    PerformanceMetric.objects.all().delete()
    collect_performance_metrics.apply(args=("daily",), throw=True)  # a clean run
    reference = metric_rows()
    PerformanceMetric.objects.all().delete()

    collect_performance_metrics.apply_async(args=("daily",), queue=QUEUE)
    started = wait_for(lambda: PerformanceMetric.objects.exists(), 60, 0.01)
    before = PerformanceMetric.objects.count()
    check(
        bool(started) and before < len(reference),
        f"the collection was killed half-way ({before} of {len(reference)} rows)",
    )
    check(kill_pool_child(worker), "a pool child was killed with SIGKILL")
    wait_for(lambda: PerformanceMetric.objects.count() >= len(reference), 120, 0.5)
    time.sleep(2)  # let a redelivered run finish writing
    after = metric_rows()
    print(
        f"      rows: clean run {len(reference)}, at the kill {before}, "
        f"after redelivery {len(after)}"
    )
    check(after == reference, "the rows equal those of a clean run")


def killed_report(worker: subprocess.Popen) -> None:
    import datetime as dt

    from django.utils import timezone

    from apps.accounts.scope import Scope
    from apps.analytics.models import PerformanceMetric, Report, ReportStatus
    from apps.analytics.services.reporting import Dispatch, ReportingService

    PerformanceMetric.objects.all().delete()  # no rollups: a long build
    service = ReportingService()
    month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    reference = service.request_report(
        "monthly_analytics", scope=Scope.system(), date=month
    )
    expected = {
        k: v for k, v in reference.report_data.items() if k != "generation_seconds"
    }
    report = service.request_report(
        "monthly_analytics",
        scope=Scope.system(),
        date=month,
        force=True,
        dispatch=Dispatch.QUEUE,
    )
    generating = wait_for(
        lambda: Report.objects.filter(
            pk=report.pk, status=ReportStatus.GENERATING
        ).exists(),
        60,
        0.01,
    )
    check(bool(generating), "the report build started")
    check(kill_pool_child(worker), "a pool child was killed with SIGKILL mid-build")
    done = wait_for(
        lambda: Report.objects.filter(
            pk=report.pk, status=ReportStatus.COMPLETED
        ).exists(),
        120,
        0.5,
    )
    report.refresh_from_db()
    print(f"      report {report.pk} after the kill: {report.status}")
    check(bool(done), "the report was built again and completed")
    data = {k: v for k, v in report.report_data.items() if k != "generation_seconds"}
    check(data == expected, "its data equal a clean build's")
    stuck = Report.objects.filter(status=ReportStatus.GENERATING).count()
    check(stuck == 0, f"no report stays generating ({stuck})")


def main() -> int:
    import django

    manage("migrate", "--noinput", "-v0")
    manage("seed_demo", "--days", "60", "--users", "12", "--reset")
    django.setup()
    started = time.monotonic()
    print("Redis stopped while events are tracked over HTTP", flush=True)
    redis_outage_during_tracking()
    print("A Celery pool child killed mid-task", flush=True)
    redis = start_redis()
    worker = start_worker()
    try:
        killed_collection(worker)
        killed_report(worker)
    finally:
        worker.terminate()
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
        redis.terminate()
    if failures and WORKER_LOG.exists():
        print("The worker's log:\n" + WORKER_LOG.read_text()[-5000:])
    WORKER_LOG.unlink(missing_ok=True)
    print(
        f"Fault drills done in {time.monotonic() - started:.0f}s: "
        f"{len(failures)} failure(s)",
        flush=True,
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

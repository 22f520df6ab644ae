"""CI: the deployment of docs/deploy.md on one machine, checked end to end.

gunicorn (2 workers), two Celery workers and Celery beat run as separate processes
against the throwaway database and Redis/RabbitMQ the caller names (DATABASE_URL,
REDIS_URL, CELERY_BROKER_URL, CELERY_RESULT_BACKEND, CELERY_TASK_DEFAULT_QUEUE).
Then, over HTTP only:

1. a member posts engagement events (one by one and a batch), dated in the last
   complete hour;
2. the hourly fold (`aggregate_real_time_metrics`, what beat sends at :05) and the
   hourly collection (`collect_performance_metrics`, fanned out with a chord over
   the two workers: ANALYTICS_COLLECTION_FANOUT_USERS=1) are sent to the workers;
3. the admin's performance list shows the hourly engagement row the workers wrote,
   counting exactly the events posted, and the dashboard API shows them.

Both workers must answer a ping and beat must still be running at the end. Every
process is stopped however the check ends; bounded by MULTIPROCESS_CHECK_SECONDS.
"""

import datetime as dt
import json
import os
import signal
import socket
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
PORT = int(os.environ.get("MULTIPROCESS_APP_PORT", "8798"))
BASE = f"http://127.0.0.1:{PORT}"
LIMIT = int(os.environ.get("MULTIPROCESS_CHECK_SECONDS", "240"))
DEADLINE = time.monotonic() + LIMIT
SINGLE, BATCH = 5, 40
# This run's worker names: a ping counts only them, not other runs' workers.
WORKERS = [f"ci-worker{i}-{os.getpid()}@{socket.gethostname()}" for i in (1, 2)]
PASSWORD = f"ci-{uuid.uuid4().hex}"

for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
    if not os.environ.get(name):
        sys.exit(f"{name} must be set (see .ci/run)")
ENV = {
    **os.environ,
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "ANALYTICS_COLLECTION_FANOUT_USERS": "1",
    "ANALYTICS_BACKFILL_DAYS": "0",
    "ANALYTICS_LOG_LEVEL": "WARNING",
}


def say(message: str) -> None:
    print(f"[multiprocess] {message}", flush=True)


def left() -> float:
    remaining = DEADLINE - time.monotonic()
    if remaining <= 0:
        raise TimeoutError(f"the check took longer than {LIMIT}s")
    return remaining


def manage(*args: str) -> str:
    return subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
        timeout=left(),
    ).stdout


def http(method: str, path: str, token: str | None = None, body=None):
    request = urllib.request.Request(
        BASE + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Token {token}"} if token else {}),
    )
    try:
        with urllib.request.urlopen(request, timeout=min(30, left())) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")[:500]


def wait_until(what: str, check, every: float = 1.0):
    while True:
        try:
            result = check()
        except (OSError, urllib.error.URLError):
            result = None
        if result:
            return result
        if time.monotonic() + every > DEADLINE:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(every)


def send(task: str, *args):
    """Send a task to the workers through the broker; return its result."""
    code = (
        "import sys, json; from config.celery import app; "
        f"r = app.send_task({task!r}, args={list(args)!r}); "
        f"print(json.dumps(r.get(timeout={int(left()) - 5}, propagate=True)))"
    )
    out = subprocess.run(
        [PY, "-c", f"import django, os; django.setup(); {code}"],
        cwd=ROOT,
        env={**ENV, "DJANGO_SETTINGS_MODULE": "config.settings"},
        check=True,
        capture_output=True,
        text=True,
        timeout=left(),
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def start(processes: dict, name: str, args: list[str], log_dir: Path) -> None:
    log = open(log_dir / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
    processes[name] = (
        subprocess.Popen(
            args,
            cwd=ROOT,
            env=ENV,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ),
        log,
    )
    say(f"started {name} (pid {processes[name][0].pid})")


def stop(processes: dict, log_dir: Path, failed: bool) -> None:
    for process, _ in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for name, (process, log) in processes.items():
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        log.close()
        if failed:
            tail = (log_dir / f"{name}.log").read_text()[-2000:]
            print(f"--- {name} log (tail) ---\n{tail}", flush=True)


def check(processes: dict, log_dir: Path) -> None:
    manage("migrate", "--noinput", "-v0")
    manage(
        "shell",
        "-c",
        "from apps.accounts.models import Role, User; "
        f"User.objects.create_user('ci-admin', password={PASSWORD!r}, "
        "role=Role.ADMIN); "
        f"User.objects.create_user('ci-member', password={PASSWORD!r})",
    )
    queue = ENV.get("CELERY_TASK_DEFAULT_QUEUE", "analytics")
    start(
        processes,
        "web",
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            "config/gunicorn.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
        ],
        log_dir,
    )
    for index in (1, 2):
        start(
            processes,
            f"worker{index}",
            [
                PY,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency=1",
                f"--queues={queue}",
                f"--hostname={WORKERS[index - 1]}",
                "--loglevel=INFO",
            ],
            log_dir,
        )
    start(
        processes,
        "beat",
        [
            PY,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            f"--schedule={log_dir / 'beat-schedule'}",
            "--loglevel=INFO",
        ],
        log_dir,
    )
    # Any HTTP answer (401 here) means gunicorn serves.
    wait_until("gunicorn", lambda: http("GET", "/api/v1/auth/me/")[0])
    tokens = {}
    for who in ("ci-admin", "ci-member"):
        status, body = http(
            "POST", "/api/v1/auth/token/", body={"username": who, "password": PASSWORD}
        )
        assert status == 200, (status, body)
        tokens[who] = body["token"]

    now = dt.datetime.now(dt.UTC)
    hour = (now - dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    when = hour + dt.timedelta(minutes=30)
    for index in range(SINGLE):
        status, body = http(
            "POST",
            "/api/v1/analytics/track-engagement/",
            tokens["ci-member"],
            {
                "engagement_type": "dashboard_view",
                "session_id": "ci-session",
                "timestamp": (when + dt.timedelta(seconds=index)).isoformat(),
                "event_id": str(uuid.uuid4()),
            },
        )
        assert status == 201, (status, body)
    events = [
        {
            "engagement_type": "meeting_view",
            "session_id": "ci-batch",
            "timestamp": (when + dt.timedelta(seconds=60 + i)).isoformat(),
        }
        for i in range(BATCH)
    ]
    status, body = http(
        "POST",
        "/api/v1/analytics/track-engagement/",
        tokens["ci-member"],
        {"events": events},
    )
    assert status == 201, (status, body)
    say(f"posted {SINGLE + BATCH} events over HTTP, dated {when:%H:%M} UTC")

    pongs = wait_until("both workers", lambda: _pongs() >= 2 and _pongs())
    say(f"workers answering a ping: {pongs}")
    folded = send("apps.analytics.tasks.aggregate_real_time_metrics", when.isoformat())
    say(f"hourly fold on a worker: {folded}")
    collected = send("apps.analytics.tasks.collect_performance_metrics", "hourly")
    say(f"hourly collection on the workers: {collected}")
    assert collected["periods_fanned_out"], collected

    def hourly_row():
        status, body = http(
            "GET",
            "/api/v1/analytics/metrics/performance/?metric_type=user_engagement"
            "&aggregation_period=hourly&page_size=100",
            tokens["ci-admin"],
        )
        assert status == 200, (status, body)
        for row in body["results"]:
            if (
                row["user"] is None
                and _same_instant(row["period_start"], hour)
                and row["metadata"].get("events") == SINGLE + BATCH
            ):
                return row
        return None

    row = wait_until("the workers' hourly engagement row", hourly_row)
    say(
        f"hourly engagement row written by the workers: active users {row['value']}, "
        f"events {row['metadata']['events']}"
    )
    status, body = http(
        "GET", "/api/v1/analytics/dashboard/?days=1", tokens["ci-admin"]
    )
    assert status == 200, (status, body)
    shown = body["engagement"].get("events")
    assert shown == SINGLE + BATCH, body["engagement"]
    say(f"dashboard API: {shown} engagement events")
    worker_logs = [(log_dir / f"worker{i}.log").read_text() for i in (1, 2)]
    busy = [i + 1 for i, text in enumerate(worker_logs) if "succeeded in" in text]
    say(f"workers that ran tasks: {busy}")
    assert busy == [1, 2], "both workers must have run part of the work"
    for name, (process, _) in processes.items():
        assert process.poll() is None, f"{name} exited with {process.returncode}"
    beat_log = (log_dir / "beat.log").read_text()
    assert "beat: Starting" in beat_log, beat_log[-500:]
    say("OK: gunicorn, two workers and beat aggregated the posted events")


def _same_instant(text: str, moment: dt.datetime) -> bool:
    return dt.datetime.fromisoformat(text) == moment


def _pongs() -> int:
    out = subprocess.run(
        [
            *(PY, "-m", "celery", "-A", "config", "inspect", "ping", "--timeout=2"),
            f"--destination={','.join(WORKERS)}",
        ],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=min(30, left()),
        check=False,
    ).stdout
    return out.count("pong")


def main() -> int:
    processes: dict = {}
    failed = True
    with tempfile.TemporaryDirectory(prefix="mia-multiprocess-") as tmp:
        try:
            check(processes, Path(tmp))
            failed = False
        finally:
            stop(processes, Path(tmp), failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Profile the cold dashboard, the CSV export and batch ingest with pyinstrument.

Runs in-process against a database that `python -m bench --scale small --keep`
left (DATABASE_URL names it; bench.settings), and prints each profile's text:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mia_perf_bench_small \\
        DJANGO_SETTINGS_MODULE=bench.settings python -m bench.profile dashboard
"""

import argparse
import io
import os
import sys
import time


def _dashboard() -> None:
    from django.core.cache import cache

    from apps.accounts.models import Role, User
    from apps.accounts.scope import Scope
    from apps.analytics.services.dashboard import dashboard

    for role in (Role.MANAGER, Role.ADMIN):
        cache.clear()
        dashboard(Scope.for_viewer(User.objects.filter(role=role).first()), 30)


def _export() -> None:
    from django.test import RequestFactory
    from rest_framework.test import force_authenticate

    from apps.accounts.models import Role, User
    from apps.analytics.api.export import ExportView

    request = RequestFactory().get(
        "/api/v1/analytics/export/", {"format": "csv", "dataset": "engagement"}
    )
    force_authenticate(request, user=User.objects.filter(role=Role.ADMIN).first())
    response = ExportView.as_view()(request)
    for _ in response.streaming_content:
        pass
    response.close()


def _ingest() -> None:
    import uuid

    from django.utils import timezone

    from apps.accounts.models import User
    from apps.analytics.services.engagement import record_engagement_batch

    user = User.objects.filter(is_active=True).first()
    now = timezone.now().isoformat()
    for _ in range(5):
        record_engagement_batch(
            user,
            [
                {
                    "engagement_type": "meeting_view",
                    "session_id": f"profile-{i % 50}",
                    "duration_seconds": 12,
                    "metadata": {"page": "meetings"} if i % 2 else {},
                    "timestamp": now,
                    "event_id": str(uuid.uuid4()),
                }
                for i in range(1000)
            ],
        )


TARGETS = {"dashboard": _dashboard, "export": _export, "ingest": _ingest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", choices=sorted(TARGETS))
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    began = time.perf_counter()
    profiler.start()
    TARGETS[args.target]()
    profiler.stop()
    print(f"{args.target}: {time.perf_counter() - began:.3f} s")
    out = io.StringIO()
    out.write(profiler.output_text(unicode=False, color=False, show_all=False))
    sys.stdout.write("\n".join(out.getvalue().splitlines()[: args.lines]) + "\n")


if __name__ == "__main__":
    main()

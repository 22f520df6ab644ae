"""Mixed traffic for `python -m bench.load`: 80% tracking, 15% dashboard, 5% export
and reports, each user at a bounded rate (constant_throughput)."""

import os
import uuid

from locust import HttpUser, constant_throughput, task

TOKENS = dict(pair.split("=", 1) for pair in os.environ["BENCH_TOKENS"].split(","))
RATE = float(os.environ.get("BENCH_USER_RATE", "5"))


class Visitor(HttpUser):
    wait_time = constant_throughput(RATE)

    def _get(self, path, who, name):
        headers = {"Authorization": f"Token {TOKENS[who]}"}
        self.client.get(path, headers=headers, name=name)

    @task(80)
    def track(self):
        self.client.post(
            "/api/v1/analytics/track-engagement/",
            json={
                "engagement_type": "meeting_view",
                "session_id": f"load-{uuid.uuid4().hex[:6]}",
                "entity_type": "meeting",
                "entity_id": "1",
                "event_id": str(uuid.uuid4()),
            },
            headers={"Authorization": f"Token {TOKENS['member']}"},
            name="POST track-engagement",
        )

    @task(15)
    def dashboard(self):
        self._get("/api/v1/analytics/dashboard/?days=30", "manager", "GET dashboard")

    @task(3)
    def export(self):
        self._get(
            "/api/v1/analytics/export/?format=csv&dataset=engagement"
            "&start_date=2000-01-01&end_date=2000-01-02",
            "admin",
            "GET export (one day)",
        )

    @task(2)
    def reports(self):
        self._get("/api/v1/analytics/reports/", "manager", "GET reports")

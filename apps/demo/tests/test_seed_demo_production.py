"""seed_demo refuses to run in production: no demo logins with a known password."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.accounts.models import User

ROOT = Path(__file__).resolve().parents[3]
REFUSAL = (
    "seed_demo does not run when DJANGO_ENV=production: it would create the demo "
    "logins with a well-known password."
)


@pytest.mark.django_db
def test_seed_demo_refuses_production_and_writes_nothing(settings):
    settings.DJANGO_ENV = "production"

    with pytest.raises(CommandError) as raised:
        call_command("seed_demo", "--days", "2", "--users", "4", "--reset")

    assert str(raised.value) == REFUSAL
    assert User.objects.count() == 0


def test_seed_demo_in_production_from_the_shell_is_one_line_and_exit_1(tmp_path):
    database = tmp_path / "db.sqlite3"
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_ENV_FILE": "/nonexistent/.env",
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": "k3Jq9vT2wLx8RmZp5Yc7Nd4Hb6Gf1Se0Ua-Vt_Wr!Qo@Pi#Mn$zE",
            "DJANGO_ALLOWED_HOSTS": "analytics.example.com",
            "ANALYTICS_ENCRYPTION_KEYS": "6Kc3bdqYBFJoBk7v5oX9yqLWBYu0pDqJg3aHAeCz9m0=",
            "DATABASE_URL": f"sqlite:///{database}",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr == f"CommandError: {REFUSAL}\n"
    assert result.stdout == ""
    assert not database.exists()  # not even opened

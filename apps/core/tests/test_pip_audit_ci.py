"""CI's pip-audit step (.ci/pip_audit.py): an audit that did not happen never passes.

pip-audit runs for real against a vulnerability service on this machine (OSV's API,
served by the test), or against none at all.
"""

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / ".ci" / "pip_audit.py"
PIP_AUDIT = Path(sys.executable).parent / "pip-audit"
NOT_AUDITED = "pip-audit could not reach its vulnerability service: NOT AUDITED"


def run_step(*args: str, required: bool = False, **env_vars: str):
    """Run the CI step with extra pip-audit arguments."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PIP_AUDIT_REQUIRED", "HTTP_PROXY", "http_proxy")
    }
    env.update({"PIP_AUDIT": str(PIP_AUDIT), "NO_PROXY": "127.0.0.1", **env_vars})
    if required:
        env["PIP_AUDIT_REQUIRED"] = "1"
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def osv_service():
    """Serve OSV's query API on this machine; `known` maps package to vulns."""
    known: dict[str, list[dict]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            vulns = known.get(query["package"]["name"])
            body = json.dumps({"vulns": vulns} if vulns else {}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            """Keep the test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1/query", known
    server.shutdown()
    server.server_close()


def osv_args(url: str, tmp_path) -> list[str]:
    return ["-s", "osv", "--osv-url", url, "--cache-dir", str(tmp_path / "cache")]


def closed_port() -> int:
    """Return a local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_clean_audit_passes_and_says_how_much_it_checked(osv_service, tmp_path):
    url, _ = osv_service

    result = run_step(*osv_args(url, tmp_path), required=True)

    assert result.returncode == 0, result.stdout + result.stderr
    (line,) = result.stdout.splitlines()
    assert line.startswith("pip-audit: ")
    assert line.endswith(" packages checked, no known vulnerabilities.")
    assert int(line.split()[1]) > 20  # the whole environment, not the project


def test_a_known_vulnerability_fails_and_is_listed(osv_service, tmp_path):
    url, known = osv_service
    installed = version("django")
    known["django"] = [
        {
            "id": "GHSA-test-0001",
            "summary": "A made-up flaw",
            "affected": [
                {
                    "package": {"name": "django", "ecosystem": "PyPI"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "99.0.1"}]}],
                }
            ],
        }
    ]

    result = run_step(*osv_args(url, tmp_path))  # fails without PIP_AUDIT_REQUIRED

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"VULNERABLE: django {installed}: GHSA-test-0001 (fixed in 99.0.1)",
        "pip-audit: 1 known vulnerabilities in 1 packages.",
    ]


def test_an_unreachable_service_says_not_audited_and_fails_when_required(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/v1/query"

    required = run_step(*osv_args(url, tmp_path), required=True)
    optional = run_step(*osv_args(url, tmp_path))

    assert required.returncode == 1
    assert required.stdout.startswith(f"{NOT_AUDITED} (")
    assert "Connection refused" in required.stdout
    assert optional.returncode == 0
    assert optional.stdout.splitlines()[0] == required.stdout.splitlines()[0]
    for result in (required, optional):
        assert "no known vulnerabilities" not in result.stdout.lower()


def fake_pip_audit(tmp_path, report: dict):
    """Write a pip-audit that prints this JSON report and claims success."""
    fake = tmp_path / "pip-audit"
    fake.write_text(
        f"#!{sys.executable}\n"
        f"print({json.dumps(json.dumps(report))})\n"
        "import sys; print('No known vulnerabilities found', file=sys.stderr)\n"
    )
    fake.chmod(0o755)
    return fake


def test_a_service_that_knows_no_package_is_not_an_audit(tmp_path):
    # What a registry mirror without per-version JSON gives (one package checked
    # here, the rest skipped); pip-audit says "No known vulnerabilities found", 0.
    report = {
        "dependencies": [
            {
                "name": "meeting-intelligence-analytics",
                "skip_reason": "distribution marked as editable",
            },
            {
                "name": "django",
                "skip_reason": "Dependency not found on PyPI and "
                "could not be audited: django (5.2.19)",
            },
            {"name": "redis", "version": "8.1.0", "vulns": []},
            {
                "name": "celery",
                "skip_reason": "Dependency not found on PyPI and "
                "could not be audited: celery (5.7.0)",
            },
        ],
        "fixes": [],
    }
    fake = fake_pip_audit(tmp_path, report)

    required = run_step(required=True, PIP_AUDIT=str(fake))
    optional = run_step(PIP_AUDIT=str(fake))

    expected = (
        f"{NOT_AUDITED} (2 of 3 packages not checked, e.g. Dependency not found on "
        "PyPI and could not be audited: django (5.2.19))."
    )
    assert (required.returncode, required.stdout) == (1, expected + "\n")
    assert optional.returncode == 0
    assert optional.stdout.splitlines() == [
        expected,
        "(set PIP_AUDIT_REQUIRED=1 to make this fail)",
    ]


def test_an_audit_of_no_package_is_not_an_audit(tmp_path):
    fake = fake_pip_audit(tmp_path, {"dependencies": [], "fixes": []})

    result = run_step(required=True, PIP_AUDIT=str(fake))

    assert result.returncode == 1
    assert result.stdout == f"{NOT_AUDITED} (pip-audit found no package to check).\n"

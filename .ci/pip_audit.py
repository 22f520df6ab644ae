"""Audit the installed packages with pip-audit; never pass an audit that did not happen.

pip-audit prints "No known vulnerabilities found" and exits 0 even when it checked
nothing: a package its vulnerability service does not know is skipped, and behind a
registry mirror that serves no per-version JSON every package is. So this reads its
JSON report and decides:

- known vulnerabilities: fail, listing each (always);
- every package checked, none vulnerable: pass;
- the service could not be reached, or some package was not checked: say
  "pip-audit could not reach its vulnerability service: NOT AUDITED", then fail when
  PIP_AUDIT_REQUIRED=1, pass otherwise (a machine without the service still runs CI).

Run from the project folder: `.venv/bin/python .ci/pip_audit.py [pip-audit options]`
(e.g. `-s osv`). PIP_AUDIT names the executable (default .venv/bin/pip-audit),
PIP_AUDIT_TIMEOUT bounds the whole run in seconds (default 300).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project itself is installed editable and is not on PyPI: nothing to look up.
NOT_A_GAP = "distribution marked as editable"
NOT_AUDITED = "pip-audit could not reach its vulnerability service: NOT AUDITED"


def run_pip_audit(args: list[str]) -> tuple[dict | None, str]:
    """Run pip-audit with a JSON report; return the report (None if none) and why."""
    executable = os.environ.get("PIP_AUDIT", str(ROOT / ".venv" / "bin" / "pip-audit"))
    timeout = float(os.environ.get("PIP_AUDIT_TIMEOUT", "300"))
    command = [
        executable,
        "--skip-editable",
        "--format",
        "json",
        "--progress-spinner",
        "off",
        *args,
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise SystemExit(
            f"pip-audit is not installed ({executable}): make install"
        ) from exc
    except subprocess.TimeoutExpired:
        return None, f"no answer within {timeout:.0f} s"
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        report = None
    if not isinstance(report, dict) or "dependencies" not in report:
        lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        return None, lines[-1]
    return report, ""


def judge(report: dict | None, failure: str) -> tuple[int, list[str]]:
    """Return (exit code, lines to print) for a pip-audit report."""
    required = os.environ.get("PIP_AUDIT_REQUIRED", "") == "1"
    unaudited_code = 1 if required else 0
    if report is None:
        return unaudited_code, [f"{NOT_AUDITED} ({failure})."]
    dependencies = report["dependencies"]
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    skipped = [
        dep
        for dep in dependencies
        if "skip_reason" in dep and dep["skip_reason"] != NOT_A_GAP
    ]
    checked = [dep for dep in dependencies if "skip_reason" not in dep]
    lines = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            lines.append(
                f"VULNERABLE: {dep['name']} {dep['version']}: {vuln['id']} "
                f"(fixed in {fixed})"
            )
    if skipped:
        lines.append(
            f"{NOT_AUDITED} ({len(skipped)} of {len(skipped) + len(checked)} packages "
            f"not checked, e.g. {skipped[0]['skip_reason']})."
        )
    elif not checked:
        lines.append(f"{NOT_AUDITED} (pip-audit found no package to check).")
    if vulnerable:
        count = sum(len(dep["vulns"]) for dep in vulnerable)
        lines.append(
            f"pip-audit: {count} known vulnerabilities in {len(vulnerable)} packages."
        )
        return 1, lines
    if skipped or not checked:
        return unaudited_code, lines
    return 0, [f"pip-audit: {len(checked)} packages checked, no known vulnerabilities."]


def main() -> int:
    """Audit, print the verdict, return the exit code."""
    code, lines = judge(*run_pip_audit(sys.argv[1:]))
    for line in lines:
        print(line)
    if code == 0 and any(NOT_AUDITED in line for line in lines):
        print("(set PIP_AUDIT_REQUIRED=1 to make this fail)")
    return code


if __name__ == "__main__":
    sys.exit(main())

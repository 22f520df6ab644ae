"""Run `python manage.py test LABEL` through pytest, so both commands run one suite."""

from pathlib import Path


class PytestTestRunner:
    """A Django test runner that hands the labels to pytest (pytest-django's recipe)."""

    def __init__(self, verbosity=1, failfast=False, keepdb=False, **kwargs):
        self.verbosity = verbosity
        self.failfast = failfast
        self.keepdb = keepdb

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument(
            "--keepdb", action="store_true", help="Preserve the test database."
        )

    def run_tests(self, test_labels, **kwargs):
        """Run pytest on the labels (dotted paths become folders); return failures."""
        import pytest

        argv = []
        if self.verbosity == 0:
            argv.append("--quiet")
        elif self.verbosity > 1:
            argv.append("--verbose")
        if self.failfast:
            argv.append("--exitfirst")
        if self.keepdb:
            argv.append("--reuse-db")
        for label in test_labels:
            path = Path(*label.split("."))
            argv.append(str(path) if path.exists() else label)
        code = pytest.main(argv)
        # pytest's exit code 5 means "no tests collected": that is a failure here too.
        return 0 if code == 0 else max(int(code), 1)

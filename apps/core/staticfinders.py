"""Serve the browser bundle of the installed `plotly` package as a static file.

The web app's charts load `vendor/plotly.min.js` from this app (no CDN, works
offline); the file is the one `pip install plotly` ships, so its version follows
pyproject.toml, and collectstatic copies it like any other static file.
"""

from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_PATH = "vendor/plotly.min.js"


def _bundle_dir() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data"


class PlotlyFinder(BaseFinder):
    """Find `vendor/plotly.min.js` in the plotly package."""

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path != PLOTLY_PATH:
            return [] if find_all else None
        found = str(_bundle_dir() / "plotly.min.js")
        return [found] if find_all else found

    def list(self, ignore_patterns):
        storage = FileSystemStorage(location=str(_bundle_dir()))
        # Listed under vendor/ (collectstatic's prefix) through the storage's prefix.
        storage.prefix = "vendor"
        yield "plotly.min.js", storage

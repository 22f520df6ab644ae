"""Static files storage of production: hashed, compressed names served by WhiteNoise
with a one-year immutable Cache-Control (written by `manage.py collectstatic`)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """A file collectstatic has not written (a process started before it ran) is
    linked by its plain name rather than failing the whole page with a 500."""

    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            return name

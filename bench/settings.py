"""The project's settings plus the bench's baseline route (bench.urls)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

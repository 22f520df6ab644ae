"""Constants the test suite shares (imported by conftest files and test helpers)."""

# A zone with daylight saving, so every test also proves local-calendar periods; the
# real Celery worker started for tests runs in it too.
TEST_TIME_ZONE = "Europe/Amsterdam"

"""The REST API under /api/v1/analytics/: thin views over selectors and services."""

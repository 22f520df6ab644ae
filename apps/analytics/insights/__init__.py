"""Insights on metric series: anomaly scores, trends and forecasts.

Pure functions over (values, timestamps): no Django, no database, so they run
in a task, a report or a notebook alike. The product layer reads the series and
stores or shows what these return.

The functions `trend` and `forecast` share their modules' names, so the package
attribute `insights.trend` is the function: import names from the package (or
`from apps.analytics.insights.trend import ...`), not `import ... as module`.
"""

from apps.analytics.insights.anomaly import (
    DEFAULT_THRESHOLD,
    Detection,
    anomaly_scores,
    detect,
)
from apps.analytics.insights.forecast import forecast
from apps.analytics.insights.trend import TrendResult, mann_kendall, trend

__all__ = [
    "DEFAULT_THRESHOLD",
    "Detection",
    "TrendResult",
    "anomaly_scores",
    "detect",
    "forecast",
    "mann_kendall",
    "trend",
]

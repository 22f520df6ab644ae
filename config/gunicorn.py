"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi ...`.

With PROMETHEUS_MULTIPROC_DIR set, every worker writes its Prometheus values to
files there and `/metrics` sums them; when a worker exits, its live gauges are
dropped so a dead worker's figures are not shown as current. Bind address and
worker count stay on the command line (or GUNICORN_CMD_ARGS).
"""

import os

# Imported here, in the master at start-up, not inside child_exit: that hook runs
# in the SIGCHLD handler, and a second worker exiting mid-import re-entered it and
# broke the import (seen in CI when both workers stopped at once).
from prometheus_client import multiprocess


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)

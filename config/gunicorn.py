"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi ...`.

With PROMETHEUS_MULTIPROC_DIR set, every worker writes its Prometheus values to
files there and `/metrics` sums them; when a worker exits, its live gauges are
dropped so a dead worker's figures are not shown as current. Bind address and
worker count stay on the command line (or GUNICORN_CMD_ARGS).
"""

import os


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

#!/usr/bin/env bash
# A real Prometheus (Debian's `prometheus`) scrapes the app served by gunicorn (two
# workers, multiprocess mode) with the bearer token, and its target must be `up`;
# promtool checks one scrape. Runs on whatever DATABASE_URL/REDIS_URL say (CI's
# PostgreSQL leg passes a throwaway database). Bounded: the whole step gives up
# after PROMETHEUS_CHECK_SECONDS (default 90).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
APP_PORT="${PROMETHEUS_APP_PORT:-8797}"
PROM_PORT="${PROMETHEUS_PORT:-9797}"
LIMIT="${PROMETHEUS_CHECK_SECONDS:-90}"
TOKEN="ci-scraper-$$-$RANDOM"
work=$(mktemp -d)
server=""
prom=""
finish() {
  [ -n "$prom" ] && kill "$prom" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap finish EXIT
deadline=$((SECONDS + LIMIT))
wait_for() {  # wait_for <what> <command...>: retry until it succeeds or time is up
  local what=$1; shift
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then echo "timed out waiting for $what" >&2; return 1; fi
    sleep 1
  done
}

$PY manage.py migrate --noinput -v0
$PY manage.py collect_analytics --period daily --days-back 1 --system-health > /dev/null

mkdir "$work/multiproc" "$work/tsdb"
PROMETHEUS_MULTIPROC_DIR="$work/multiproc" METRICS_TOKEN="$TOKEN" \
  .venv/bin/gunicorn -c config/gunicorn.py config.wsgi \
  --bind "127.0.0.1:$APP_PORT" --workers 2 --log-level warning &
server=$!
wait_for "gunicorn" curl -fs -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:$APP_PORT/metrics" -o /dev/null

# A scrape without the token is refused; with it, promtool accepts the text.
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APP_PORT/metrics")
[ "$status" = 401 ] || { echo "/metrics without a token answered $status" >&2; exit 1; }
curl -fs -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$APP_PORT/metrics" \
  > "$work/scrape.txt"
promtool check metrics < "$work/scrape.txt"
echo "promtool check metrics: OK ($(grep -vc '^#' "$work/scrape.txt") samples)"

cat > "$work/prometheus.yml" <<YAML
global:
  scrape_interval: 2s
  scrape_timeout: 2s
scrape_configs:
  - job_name: analytics
    metrics_path: /metrics
    authorization:
      type: Bearer
      credentials: $TOKEN
    static_configs:
      - targets: ["127.0.0.1:$APP_PORT"]
YAML
promtool check config "$work/prometheus.yml" > /dev/null
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn &
prom=$!

# The target is up, and a health gauge scraped from the app is queryable.
target_up() {
  curl -fs "http://127.0.0.1:$PROM_PORT/api/v1/targets" | $PY -c '
import json, sys
targets = json.load(sys.stdin)["data"]["activeTargets"]
sys.exit(0 if targets and all(t["health"] == "up" for t in targets) else 1)'
}
health_series() {
  curl -fs "http://127.0.0.1:$PROM_PORT/api/v1/query" \
    --data-urlencode 'query=analytics_health_status{component="database"}' | $PY -c '
import json, sys
sys.exit(0 if json.load(sys.stdin)["data"]["result"] else 1)'
}
wait_for "Prometheus target up" target_up
wait_for "analytics_health_status in Prometheus" health_series
curl -fs "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode 'query=up' \
  | $PY -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print("Prometheus: target", r[0]["metric"]["instance"], "up =", r[0]["value"][1])'

#!/usr/bin/env bash
# `npm start`: the whole tokenscope stack on this machine, no containers. Installs what is missing
# (Prometheus, Alertmanager, npm packages), then runs the exporter, demo traffic, Prometheus and
# Alertmanager with the project's configs, plus Loki and Grafana when their binaries are on PATH.
# Alertmanager's receivers point at a local alert sink that prints pages and tickets here: the
# demo never pages anyone. Ctrl-C stops everything this script started. docs/local-stack.md.
#
# Environment (all optional):
#   TOKENSCOPE_EXPORTER_PORT=9477 PROMETHEUS_PORT=9090 ALERTMANAGER_PORT=9093 ALERT_SINK_PORT=9095
#   GRAFANA_PORT=3000 LOKI_PORT=3100 LOKI_GRPC_PORT=9096
#   TOKENSCOPE_DATA_DIR=.tokenscope/local    state, data, logs and generated configs
#   TOKENSCOPE_FAST_ALERTS=1                 alerts in seconds (for: capped at 10s), for demos
#   DEMO_RATE=5 DEMO_DAY_SECONDS=1800 DEMO_FIRST_OUTAGE_AFTER=60 DEMO_OUTAGE_DURATION=720
#   GRAFANA_ADMIN_PASSWORD                   default: generated once into the data dir
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

EXPORTER_PORT=${TOKENSCOPE_EXPORTER_PORT:-9477}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
ALERTMANAGER_PORT=${ALERTMANAGER_PORT:-9093}
ALERT_SINK_PORT=${ALERT_SINK_PORT:-9095}
GRAFANA_PORT=${GRAFANA_PORT:-3000}
LOKI_PORT=${LOKI_PORT:-3100}
LOKI_GRPC_PORT=${LOKI_GRPC_PORT:-9096}
DATA=${TOKENSCOPE_DATA_DIR:-$ROOT/.tokenscope/local}
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)
LOGS=$DATA/logs

say() { printf '%s\n' "$@"; }
tsnode() { node --import tsx "$@"; }

bash scripts/ensure-deps.sh

# Debian names it prometheus-alertmanager; upstream tarballs alertmanager.
AM_BIN=$(command -v prometheus-alertmanager || command -v alertmanager || true)
[ -n "$AM_BIN" ] || { say "error: no Alertmanager binary after scripts/ensure-deps.sh" >&2; exit 1; }
LOKI_BIN=$(command -v loki || true)
GRAFANA_BIN=$(command -v grafana || command -v grafana-server || true)

checks=(TOKENSCOPE_EXPORTER_PORT="$EXPORTER_PORT" PROMETHEUS_PORT="$PROMETHEUS_PORT" ALERTMANAGER_PORT="$ALERTMANAGER_PORT" ALERT_SINK_PORT="$ALERT_SINK_PORT")
[ -z "$LOKI_BIN" ] || checks+=(LOKI_PORT="$LOKI_PORT" LOKI_GRPC_PORT="$LOKI_GRPC_PORT")
[ -z "$GRAFANA_BIN" ] || checks+=(GRAFANA_PORT="$GRAFANA_PORT")
tsnode scripts/local-stack.ts ports "${checks[@]}"

mkdir -p "$LOGS" "$DATA/pids" "$DATA/secrets"
chmod 700 "$DATA/secrets"
# One key for the life of this data dir, so pseudonyms stay stable across restarts and
# `tokenscope pseudonym --hash-key-file $DATA/secrets/hash_key <id>` finds a user's lines.
[ -s "$DATA/secrets/hash_key" ] || (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))' > "$DATA/secrets/hash_key")
# The usage API's bearer token (docs/usage-api.md): /api/usage/log, /sessions, /users and the summaries.
[ -s "$DATA/secrets/api_token" ] || (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))' > "$DATA/secrets/api_token")
STORE_FILE=$DATA/requests.db

render=(--dir "$DATA" --exporter-port "$EXPORTER_PORT" --prometheus-port "$PROMETHEUS_PORT" --alertmanager-port "$ALERTMANAGER_PORT" --sink-port "$ALERT_SINK_PORT")
[ -z "$GRAFANA_BIN" ] || render+=(--grafana-port "$GRAFANA_PORT" --loki-port "$LOKI_PORT")
[ "${TOKENSCOPE_FAST_ALERTS:-}" != 1 ] || render+=(--fast-alerts)
tsnode scripts/local-stack.ts render "${render[@]}"

# Every process gets its own process group (job control), so a stop reaches its children too, and
# Ctrl-C reaches only this script, which then stops them in order.
set -m
PIDS=()
NAMES=()
launch() { # name log command...   (log "-": stdout stays on this terminal, stderr to logs/<name>.log)
  local name=$1 log=$2
  shift 2
  if [ "$log" = - ]; then "$@" </dev/null 2>>"$LOGS/$name.log" &
  else "$@" </dev/null >>"$log" 2>&1 &
  fi
  PIDS+=("$!")
  NAMES+=("$name")
  echo "$!" >"$DATA/pids/$name"
}

stopped=0
cleanup() {
  [ "$stopped" = 0 ] || return 0
  stopped=1
  trap - INT TERM EXIT
  [ ${#PIDS[@]} -gt 0 ] || return 0
  say "" "stopping ${NAMES[*]} ..."
  # Reverse start order: the demo and Prometheus stop before what they talk to.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM -- "-${PIDS[i]}" 2>/dev/null || true; done
  # Bounded: whatever has not exited after 10 s is killed.
  (sleep 10 && for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done) &
  local killer=$!
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  kill -- "-$killer" 2>/dev/null || true
  wait "$killer" 2>/dev/null || true
  # Stragglers a process left in its group (none expected) go too.
  for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
  rm -f "$DATA"/pids/*
  say "stopped; data and logs kept in $DATA"
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT

# The sink prints one line per page or ticket on this terminal; notifications.log keeps the bodies.
launch alert-sink - node --import tsx scripts/local-stack.ts sink --port "$ALERT_SINK_PORT" --log "$LOGS/notifications.log"

LOKI_URL_ENV=()
if [ -n "$LOKI_BIN" ]; then
  mkdir -p "$DATA/loki"
  launch loki "$LOGS/loki.log" env LOKI_LISTEN_ADDRESS=127.0.0.1 LOKI_PORT="$LOKI_PORT" LOKI_GRPC_PORT="$LOKI_GRPC_PORT" LOKI_DATA_DIR="$DATA/loki" \
    "$LOKI_BIN" -config.file="$ROOT/loki/loki-config.yaml" -config.expand-env=true
  LOKI_URL_ENV=(LOKI_URL="http://127.0.0.1:$LOKI_PORT")
fi

# stdout is the per-request log (one JSON line per call); stderr the exporter's own messages.
launch exporter "$LOGS/exporter.log" env "${LOKI_URL_ENV[@]}" sh -c 'exec node bin/tokenscope.js "$@" >>"'"$LOGS"'/requests.log"' tokenscope \
  serve --host 127.0.0.1 --port "$EXPORTER_PORT" --state-file "$DATA/exporter-state.json" --hash-key-file "$DATA/secrets/hash_key" \
  --store "sqlite:$STORE_FILE" --api-token-file "$DATA/secrets/api_token" --prometheus-url "http://127.0.0.1:$PROMETHEUS_PORT"
launch alertmanager "$LOGS/alertmanager.log" "$AM_BIN" --config.file="$DATA/alertmanager/alertmanager.yml" --storage.path="$DATA/alertmanager/data" \
  --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" --web.external-url="http://127.0.0.1:$ALERTMANAGER_PORT" --cluster.listen-address=
launch prometheus "$LOGS/prometheus.log" prometheus --config.file="$DATA/prometheus.yml" --storage.tsdb.path="$DATA/prometheus" \
  --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.external-url="http://127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle

GRAFANA_PASSWORD_NOTE=""
if [ -n "$GRAFANA_BIN" ]; then
  if [ -z "${GRAFANA_ADMIN_PASSWORD:-}" ]; then
    [ -s "$DATA/secrets/grafana_admin_password" ] || (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(12).toString("base64url"))' > "$DATA/secrets/grafana_admin_password")
    GRAFANA_ADMIN_PASSWORD=$(cat "$DATA/secrets/grafana_admin_password")
    GRAFANA_PASSWORD_NOTE="admin / password in $DATA/secrets/grafana_admin_password"
  else
    GRAFANA_PASSWORD_NOTE="admin / \$GRAFANA_ADMIN_PASSWORD"
  fi
  homepath=/usr/share/grafana
  [ -d "$homepath" ] || homepath=$(dirname "$(dirname "$(readlink -f "$GRAFANA_BIN")")")
  sub=()
  [ "$(basename "$GRAFANA_BIN")" = grafana ] && sub=(server)
  mkdir -p "$DATA/grafana"
  launch grafana "$LOGS/grafana.log" env GF_PATHS_DATA="$DATA/grafana" GF_PATHS_LOGS="$LOGS" GF_PATHS_PROVISIONING="$DATA/provisioning" \
    GF_SERVER_HTTP_ADDR=127.0.0.1 GF_SERVER_HTTP_PORT="$GRAFANA_PORT" GF_SECURITY_ADMIN_PASSWORD="$GRAFANA_ADMIN_PASSWORD" \
    GF_USERS_ALLOW_SIGN_UP=false GF_ANALYTICS_REPORTING_ENABLED=false \
    GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH="$DATA/provisioning/dashboards/llm-overview/tokenscope-executive-overview.json" \
    "$GRAFANA_BIN" "${sub[@]}" --homepath "$homepath"
fi

ready=(exporter="http://127.0.0.1:$EXPORTER_PORT/readyz" prometheus="http://127.0.0.1:$PROMETHEUS_PORT/-/ready" alertmanager="http://127.0.0.1:$ALERTMANAGER_PORT/-/ready")
[ -z "$LOKI_BIN" ] || ready+=(loki="http://127.0.0.1:$LOKI_PORT/ready")
[ -z "$GRAFANA_BIN" ] || ready+=(grafana="http://127.0.0.1:$GRAFANA_PORT/api/health")
if ! tsnode scripts/local-stack.ts wait --pids "$DATA/pids" "${ready[@]}"; then
  for n in "${NAMES[@]}"; do
    if grep -qiE 'level=error|"level":(50|60)|error' "$LOGS/$n.log" 2>/dev/null; then say "--- $LOGS/$n.log (last lines)" >&2; tail -n 5 "$LOGS/$n.log" >&2; fi
  done
  exit 1
fi

launch demo "$LOGS/demo.log" node bin/tokenscope.js demo --url "http://127.0.0.1:$EXPORTER_PORT" --rate "${DEMO_RATE:-5}" \
  --day-seconds "${DEMO_DAY_SECONDS:-1800}" --first-outage-after "${DEMO_FIRST_OUTAGE_AFTER:-60}" --outage-duration "${DEMO_OUTAGE_DURATION:-720}"

P="http://127.0.0.1:$PROMETHEUS_PORT"
say "" "tokenscope is running. Ctrl-C stops everything."
if [ -n "$GRAFANA_BIN" ]; then
  say "  open first:   http://127.0.0.1:$GRAFANA_PORT/d/tokenscope-executive-overview  ($GRAFANA_PASSWORD_NOTE)"
else
  say "  open first:   $P/alerts  (alert rules and their state; Grafana not found, see docs/local-stack.md)"
fi
say "  exporter      http://127.0.0.1:$EXPORTER_PORT/metrics" \
    "  prometheus    $P  (targets: $P/targets)" \
    "  alertmanager  http://127.0.0.1:$ALERTMANAGER_PORT" \
    "  alert sink    http://127.0.0.1:$ALERT_SINK_PORT/notifications  (pages and tickets also print below)"
[ -z "$LOKI_BIN" ] && say "  loki          not found on PATH: request logs stay in $LOGS/requests.log" || say "  loki          http://127.0.0.1:$LOKI_PORT  (request log lines, labels app/provider/status)"
[ -n "$GRAFANA_BIN" ] || say "  grafana       not found on PATH (docker compose runs it; docs/compose.md)"
[ -z "$GRAFANA_BIN" ] || say "  grafana       the usage log, session and user panels read PostgreSQL: docker compose has it (docs/compose.md)"
E="http://127.0.0.1:$EXPORTER_PORT"
say "  usage log     $E/api/usage/log?range=24h  (bearer token in $DATA/secrets/api_token; &format=csv for CSV)" \
    "                curl -H \"Authorization: Bearer \$(cat $DATA/secrets/api_token)\" '$E/api/usage/log?range=24h'" \
    "  sessions      $E/api/usage/sessions?range=24h  ·  one user: $E/api/usage/users/<pseudonym>" \
    "  request store $STORE_FILE  (SQLite, one row per request; never prompts or completions)"
say "  logs          $LOGS/" \
    "  demo          ~${DEMO_RATE:-5} req/s over 17 providers; first provider outage in ${DEMO_FIRST_OUTAGE_AFTER:-60}s (see $LOGS/demo.log)" ""

# Runs until Ctrl-C, or until a component dies (then everything stops, with a pointer to its log).
while :; do
  set +e
  wait -n
  set -e
  for i in "${!PIDS[@]}"; do
    if ! kill -0 "${PIDS[i]}" 2>/dev/null; then
      say "error: ${NAMES[i]} exited; last lines of its log:" >&2
      tail -n 20 "$LOGS/${NAMES[i]}.log" >&2 2>/dev/null || true
      exit 1
    fi
  done
done

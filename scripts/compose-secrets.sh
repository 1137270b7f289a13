#!/usr/bin/env bash
# Creates the secret files docker-compose.yml mounts (one file per secret) in
# TOKENSCOPE_SECRETS_DIR (default .tokenscope/secrets, which git ignores). Existing files are
# kept, so it is safe to re-run. Receiver credentials come from the environment:
#   PAGERDUTY_ROUTING_KEY  Events API v2 integration key of the on-call service
#   SLACK_WEBHOOK_URL      incoming webhook of the tickets channel
#   WATCHDOG_URL           ping URL of the dead man's switch
# Without them a placeholder is written and a warning printed: the stack runs, but those
# notifications fail (alertmanager_notifications_failed_total) until the real value is in place.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${TOKENSCOPE_SECRETS_DIR:-.tokenscope/secrets}"
mkdir -p "$dir"
# The directory keeps other local users out. The files themselves must be readable by the
# containers' users (nobody, node): compose bind-mounts them and ignores secret uid/gid/mode.
chmod 700 "$dir"

random() { node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))'; }

write() { # name value
  local f="$dir/$1"
  if [ -s "$f" ]; then echo "kept      $f"; return; fi
  printf '%s\n' "$2" > "$f"
  chmod 644 "$f"
  echo "wrote     $f"
}

write tokenscope_hash_key "$(random)"
write tokenscope_ingest_token "$(random)"
# The usage API's bearer token, and the request store's passwords (the exporter's role, Grafana's
# read-only role). PostgreSQL reads them only when it initialises an empty data volume: replacing a
# file later needs ALTER ROLE ... PASSWORD too (docs/compose.md).
write tokenscope_api_token "$(random)"
write tokenscope_postgres_password "$(random)"
write tokenscope_postgres_grafana_password "$(random)"
missing=()
write pagerduty_routing_key "${PAGERDUTY_ROUTING_KEY:-REPLACE-WITH-PAGERDUTY-ROUTING-KEY}"
grep -q REPLACE "$dir/pagerduty_routing_key" && missing+=(pagerduty_routing_key) || true
write slack_webhook_url "${SLACK_WEBHOOK_URL:-https://hooks.slack.com/services/REPLACE/WITH/WEBHOOK}"
grep -q REPLACE "$dir/slack_webhook_url" && missing+=(slack_webhook_url) || true
write watchdog_url "${WATCHDOG_URL:-https://hc-ping.com/REPLACE-WITH-PING-UUID}"
grep -q REPLACE "$dir/watchdog_url" && missing+=(watchdog_url) || true

if [ ${#missing[@]} -gt 0 ]; then
  echo "WARNING: placeholders in ${missing[*]}: pages, tickets or watchdog pings will fail until you put the real values there." >&2
fi
echo "export TOKENSCOPE_SECRETS_DIR=$(cd "$dir" && pwd)"

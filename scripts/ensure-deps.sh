#!/usr/bin/env bash
# Installs what tokenscope needs on a Debian machine when it is missing: Prometheus and
# Alertmanager from Debian (promtool, amtool come with them), python3 with venv, PostgreSQL, and the npm
# dependencies, and builds dist/ when it is missing or older than its sources.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need_apt+=(prometheus-alertmanager)
command -v amtool >/dev/null 2>&1 || need_apt+=(prometheus-alertmanager)
# The conformance suite's Python clients run in a virtualenv (test/conformance/support/python-env.ts);
# Debian ships venv/ensurepip apart from python3.
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need_apt+=(python3-venv)
# The request store's PostgreSQL backend is tested against a real server (test/support/postgres.ts).
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then need_apt+=(postgresql); fi
# better-sqlite3 (the embedded request store) compiles when no prebuilt binary matches this Node.
if [ ! -d node_modules/better-sqlite3 ] && { ! command -v make >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1; }; then need_apt+=(build-essential); fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "installing from Debian: ${need_apt[*]}" >&2
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # Debian starts the packaged services; tokenscope runs its own instances on its own ports.
  $SUDO systemctl disable --now prometheus prometheus-alertmanager prometheus-node-exporter postgresql >/dev/null 2>&1 || true
  $SUDO service postgresql stop >/dev/null 2>&1 || true
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# bin/tokenscope.js runs the compiled dist/: rebuilt here when a source is newer (scripts/build.mjs).
node scripts/build.mjs --if-stale

#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, then type-checks, checks that
# generated files match their source, and runs every test against real Prometheus/Alertmanager.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npx tsc --noEmit -p tsconfig.json
if npm run --silent 2>/dev/null | grep -q '^  check:generated'; then npm run --silent check:generated; fi
report=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line CI can read, whatever the reporter printed above.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" || true
rm -f "$report"
exit $status

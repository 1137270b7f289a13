#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, then type-checks, checks that
# generated files match their source, and runs every test against real Prometheus/Alertmanager.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh || exit 1

failed=0
checks=0   # failed checks outside vitest, counted into the closing line
npx tsc --noEmit -p tsconfig.json || { echo "type-check failed" >&2; failed=1; checks=$((checks + 1)); }
npx tsx scripts/check-generated.ts || { failed=1; checks=$((checks + 1)); }

report=$(mktemp)
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || failed=1
# One plain closing line CI can read, whatever the reporter printed above.
node -e '
  let r = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0 };
  try { r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); } catch {}
  const checks = Number(process.argv[2]);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests + checks} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" "$checks"
rm -f "$report"
exit $failed

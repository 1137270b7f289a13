// The limit alerts with promtool against the generated prometheus/rules/limits.yml: the warning
// fires at the ratio the exporter exposes (ai_limit_warning_ratio, from the catalog), not at a
// number written into the rule, and not below it. The full case file is
// test/rules/promtool/limits.test.yml; these vary the exported ratio.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dump } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'tokenscope-limit-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** promtool's verdict on: used ratio `used` against exported warning ratio `ratio`, firing expected or not. */
async function verdict(name: string, used: number, ratio: number, fires: boolean): Promise<boolean> {
  const file = join(dir, `${name}.test.yml`);
  writeFileSync(
    file,
    dump({
      rule_files: [join(REPO_ROOT, 'prometheus/rules/limits.yml')],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: 'ai_limit_max_used_ratio{scope="api_key",limit="monthly_tokens",instance="a:9477"}', values: `${used}x30` },
            { series: 'ai_limit_warning_ratio{instance="a:9477"}', values: `${ratio}x30` },
          ],
          alert_rule_test: [
            {
              alertname: 'TokenScopeUsageLimitWarning',
              eval_time: '20m',
              exp_alerts: fires
                ? [
                    {
                      exp_labels: { severity: 'info', scope: 'api_key', limit: 'monthly_tokens' },
                      exp_annotations: {
                        summary: 'A user or API key is close to its usage limit.',
                        description: `The heaviest api_key is at ${Math.round(used * 100)}% of its monthly_tokens limit.`,
                        runbook_url: 'https://github.com/tokenscope/tokenscope/blob/main/docs/runbooks.md#tokenscopeusagelimitwarning',
                      },
                    },
                  ]
                : [],
            },
          ],
        },
      ],
    }),
  );
  const r = await run('promtool', ['test', 'rules', file]).catch((e: { stdout?: string }) => e);
  return /SUCCESS/.test(r.stdout ?? '');
}

describe('TokenScopeUsageLimitWarning threshold', () => {
  it.each([
    [0.9, 0.9, true], // at the ratio
    [0.95, 0.9, true], // above it
    [0.89, 0.9, false], // just below it
    [0.8, 0.9, false], // the default 0.8 is not written into the rule
    [0.5, 0.5, true],
  ])('used %s with warning ratio %s: fires %s', async (used, ratio, fires) => {
    expect(await verdict(`case-${used}-${ratio}`, used, ratio, fires)).toBe(true);
    // And the opposite expectation fails: the case can tell the two apart.
    expect(await verdict(`opposite-${used}-${ratio}`, used, ratio, !fires)).toBe(false);
  }, 60_000);
});

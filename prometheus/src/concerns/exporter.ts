// The exporter's own health: is it scraped, does it ingest, how much does it reject, does the
// cardinality cap fold label values. Every other rule file is blind when these fire.
import { alert } from '../alert.js';
import type { RuleConfig } from '../config.js';
import type { RecordingRule, RuleFile } from '../model.js';
import { ruleName, type Level } from '../levels.js';
import { sumBy } from '../promql.js';

const INSTANCE: Level = { labels: ['job', 'instance'], what: 'per exporter instance' };

const rec = (record: string, help: string, expr: string): RecordingRule => ({ kind: 'record', record, help, expr });

export function exporterRules(cfg: RuleConfig): RuleFile {
  const up = `up{${cfg.exporterSelector}}`;
  const lines = ruleName(INSTANCE, 'ai_exporter_lines', 'rate5m');
  const rejected = ruleName(INSTANCE, 'ai_exporter_rejected_lines', 'rate5m');
  const rejectRatio = ruleName(INSTANCE, 'ai_exporter_rejected_lines_per_lines', 'ratio_rate5m');
  return {
    name: 'exporter',
    title: 'Exporter health: ingest and reject rates, event age; exporter down, no events, rejects and label-overflow alerts.',
    groups: [
      {
        name: 'tokenscope-exporter',
        rules: [
          rec(lines, 'Log lines and events read per second per exporter, good or bad (5m).', sumBy(INSTANCE.labels, 'rate(ai_exporter_lines_total[5m])')),
          rec(rejected, 'Lines rejected per second per exporter, any reason (5m).', sumBy(INSTANCE.labels, 'rate(ai_exporter_rejected_lines_total[5m])')),
          rec(rejectRatio, 'Share of lines read that were rejected, per exporter (5m); absent while nothing is read.', `${rejected}\n/\n(${lines} > 0)`),
          rec(
            ruleName(INSTANCE, 'ai_exporter_last_event_age', 'seconds'),
            'Seconds since the event time of the newest ingested event, per exporter.',
            'time() - max by (job, instance) (ai_exporter_last_event_timestamp_seconds > 0)',
          ),
        ],
      },
      {
        name: 'tokenscope-exporter-alerts',
        rules: [
          alert(cfg, {
            name: 'ExporterDown',
            help: 'Prometheus cannot scrape the exporter, or has no exporter target at all.',
            // absent() is 1; × 0 so $value reads like `up` in both branches.
            expr: `${up} == 0\nor\nabsent(${up}) * 0`,
            for: '5m',
            // A page: with the exporter gone every burn-rate series goes stale and a firing burn
            // page would resolve while the outage goes on; on-call must hear that they are blind.
            severity: 'page',
            summary: 'The tokenscope exporter is not being scraped.',
            description:
              'Prometheus has no successful scrape of the tokenscope exporter {{ if $labels.instance }}{{ $labels.instance }}{{ else }}(no target at all){{ end }} in job {{ $labels.job }} (up = {{ $value }}); cost, budget and SLO rules see no new data.',
          }),
          alert(cfg, {
            name: 'NoEventsIngested',
            help: 'A scraped exporter read no log line or event for 30 minutes, or has never read any.',
            expr: [
              `${sumBy(INSTANCE.labels, 'increase(ai_exporter_lines_total[30m])')} == 0`,
              'or',
              // ai_exporter_lines_total appears with the first line: a fresh exporter has none.
              `0 * (${up} == 1 unless on (job, instance) ai_exporter_lines_total)`,
            ].join('\n'),
            for: '30m',
            severity: 'ticket',
            summary: 'The tokenscope exporter is not ingesting any LLM events.',
            description: 'The exporter {{ $labels.instance }} read {{ $value | humanize }} lines or events in the last 30 minutes; check its --files globs and the HTTP senders.',
          }),
          alert(cfg, {
            name: 'HighRejectRatio',
            help: `More than ${cfg.thresholds.reject_ratio * 100}% of the lines an exporter reads are rejected (catalog thresholds.reject_ratio).`,
            expr: `${rejectRatio} > ${cfg.thresholds.reject_ratio}`,
            for: '15m',
            severity: 'ticket',
            summary: 'The tokenscope exporter rejects an unusual share of its input.',
            description: 'The exporter {{ $labels.instance }} rejected {{ $value | humanizePercentage }} of the lines it read over the last 5 minutes.',
          }),
          alert(cfg, {
            name: 'PriceDataStale',
            help: 'The price data an exporter prices with is older than its --prices-max-age-days.',
            // The value is the data's age in days, for the description.
            expr: [
              '(time() - max by (job, instance) (ai_exporter_price_data_timestamp_seconds)) / 86400',
              'and on (job, instance)',
              '(max by (job, instance) (ai_exporter_price_data_stale) == 1)',
            ].join('\n'),
            for: '1h',
            severity: 'ticket',
            summary: 'The tokenscope exporter prices requests with old price data.',
            description: 'The exporter {{ $labels.instance }} prices with data {{ $value | humanize }} days old, older than its --prices-max-age-days; provider list prices may have changed since. Refresh it with `tokenscope prices update`.',
          }),
          alert(cfg, {
            name: 'LabelOverflow',
            help: 'New label values are being folded into "other" because a label reached its catalog cap.',
            expr: `sum by (job, instance, label) (increase(ai_exporter_label_overflow_total[1h])) > 0`,
            for: '15m',
            severity: 'info',
            summary: 'A label reached its cardinality cap and new values are exported as "other".',
            description: '{{ $value | humanize }} records in the last hour had their {{ $labels.label }} value folded into "other" on {{ $labels.instance }}.',
          }),
        ],
      },
    ],
  };
}

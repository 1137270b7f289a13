// Does every exporter run the catalog these rules were built from? The rules bake prices, budgets,
// SLO targets and thresholds in at build time; an exporter started with another --catalog would
// silently disagree with them. The rules carry their catalog's fingerprint as a constant series and
// compare it with each scraped exporter's ai_catalog_info.
import { alert } from '../alert.js';
import type { RuleConfig } from '../config.js';
import { GLOBAL, ruleName } from '../levels.js';
import type { RuleFile } from '../model.js';

export function catalogRules(cfg: RuleConfig): RuleFile {
  const built = ruleName(GLOBAL, 'ai_catalog_info', 'rules');
  const up = `up{${cfg.exporterSelector}}`;
  return {
    name: 'catalog',
    title: 'Catalog fingerprint: the catalog these rules were built from, and an alert when a scraped exporter runs another.',
    groups: [
      {
        name: 'tokenscope-catalog',
        rules: [
          {
            kind: 'record',
            record: built,
            help: 'Fingerprint of the catalog these rules were built from (label fingerprint, value 1), to compare with the exporters\' ai_catalog_info.',
            expr: 'vector(1)',
            labels: { fingerprint: cfg.catalogFingerprint },
          },
          alert(cfg, {
            name: 'CatalogMismatch',
            help: 'A scraped exporter runs with a catalog other than the one the rules and dashboards were built from.',
            // Per replica: each exporter target is judged on its own. Only targets scraped right now
            // count (up == 1): a down exporter is ExporterDown's business, not a mismatch.
            expr: [
              `(max by (job, instance, fingerprint) (ai_catalog_info{${cfg.exporterSelector}}) unless on (fingerprint) ${built})`,
              'and on (job, instance)',
              `(${up} == 1)`,
            ].join('\n'),
            // Long enough for a rolling deploy that updates the exporters and the rules one after the other.
            for: '15m',
            severity: 'ticket',
            summary: 'A tokenscope exporter runs with a different catalog than its rules and dashboards.',
            description:
              `The exporter {{ $labels.instance }} (job {{ $labels.job }}) runs with catalog {{ $labels.fingerprint }}, but the rules and dashboards were built from catalog ${cfg.catalogFingerprint} (ai_catalog_info = {{ $value }}): prices, budgets and SLO targets may differ between them. Deploy one catalog/tokenscope.yaml to both, or rebuild the rules and dashboards from the exporter's.`,
          }),
        ],
      },
    ],
  };
}

// The dead man's switch: an alert that always fires. Alertmanager routes it to a receiver that
// expects it continuously; silence there means Prometheus, its rule evaluation or the path to
// Alertmanager is broken. Severity "none", as kube-prometheus does, so no severity route pages on it.
import { alert } from '../alert.js';
import type { RuleConfig } from '../config.js';
import type { RuleFile } from '../model.js';

export function watchdogRules(cfg: RuleConfig): RuleFile {
  return {
    name: 'watchdog',
    title: "Watchdog: the always-firing alert behind the dead-man's switch.",
    groups: [
      {
        name: 'tokenscope-watchdog',
        rules: [
          alert(cfg, {
            name: 'Watchdog',
            help: 'Always firing: proves the whole alerting pipeline works end to end.',
            expr: 'vector(1)',
            // Fires one evaluation after a (re)start; a dead-man's switch tolerates that.
            for: '1m',
            severity: 'none',
            summary: 'An alert that always fires, to prove the alerting pipeline works.',
            description: 'This alert fires permanently (value {{ $value }}). If the dead-man\'s switch stops receiving it, Prometheus, its rule evaluation or the route to Alertmanager is broken.',
          }),
        ],
      },
    ],
  };
}

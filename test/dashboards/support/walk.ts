// Walks generated dashboard JSON: panels (rows flattened), their targets, and which panels are
// the core eight (everything above the first row header) versus the extras below it.
import type { Dashboard, Panel, RowPanel } from '@grafana/grafana-foundation-sdk/dashboard';
import { generateDashboards } from '../../../dashboards-src/build.js';

export interface Target {
  refId?: string;
  expr: string;
  instant?: boolean;
  range?: boolean;
  format?: string;
  legendFormat?: string;
  queryType?: string;
  datasource?: { type?: string; uid?: string };
  [k: string]: unknown;
}

export interface PanelInfo {
  dashboard: Dashboard;
  panel: Panel;
  /** Above the first row header: one of the eight core panels of this dashboard. */
  core: boolean;
  targets: Target[];
}

export interface GeneratedDashboard {
  path: string;
  folder: string;
  json: Dashboard;
}

export function dashboards(files = generateDashboards()): GeneratedDashboard[] {
  return [...files]
    .filter(([p]) => p.endsWith('.json'))
    .map(([path, content]) => ({ path, folder: path.split('/')[2], json: JSON.parse(content) as Dashboard }));
}

/** Every non-row panel in layout order; rows contribute their nested (collapsed) panels. */
export function panels(d: Dashboard): PanelInfo[] {
  const out: PanelInfo[] = [];
  let seenRow = false;
  const visit = (p: Panel | RowPanel) => {
    if (p.type === 'row') {
      seenRow = true;
      (p as RowPanel).panels.forEach(visit);
      return;
    }
    out.push({ dashboard: d, panel: p as Panel, core: !seenRow, targets: ((p as Panel).targets ?? []) as unknown as Target[] });
  };
  (d.panels ?? []).forEach(visit);
  return out;
}

/** All panels including rows, for id and layout checks. */
export function allPanels(d: Dashboard): Array<Panel | RowPanel> {
  const out: Array<Panel | RowPanel> = [];
  for (const p of d.panels ?? []) {
    out.push(p);
    if (p.type === 'row') out.push(...(p as RowPanel).panels);
  }
  return out;
}

export const key = (p: PanelInfo) => `${p.dashboard.uid} / ${p.panel.title}`;

/** Does a query apply the template variable (Grafana accepts $name and ${name…}). */
export const references = (expr: string, v: string) => new RegExp(`\\$(\\{${v}(:[^}]*)?\\}|${v}\\b)`).test(expr);

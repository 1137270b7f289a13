// Explicit grid placement. The SDK's withPanel() only wraps after a 24-column row overflows, so a
// panel can land past the right edge; here every panel gets its gridPos from the row it is listed
// in, and a row wider than 24 columns is a build error. Built panels also have no id and queries
// no refId: finalize() numbers them so the JSON is complete and deterministic.
import { RowBuilder, type Dashboard, type DashboardBuilder, type GridPos, type Panel, type RowPanel } from '@grafana/grafana-foundation-sdk/dashboard';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';

export const GRID_WIDTH = 24;

export type Placeable = cog.Builder<Panel> & { gridPos(g: GridPos): unknown };

export interface Cell {
  panel: Placeable;
  w: number;
  h: number;
}

export const cell = (panel: Placeable, w: number, h: number): Cell => ({ panel, w, h });

/** A titled row of extra panels below the core ones. Collapsed rows keep their panels inside. */
export interface Section {
  title: string;
  collapsed?: boolean;
  rows: Cell[][];
}

/** Places rows of cells starting at y; returns the y below them. */
function place(rows: Cell[][], y: number, add: (p: Placeable) => void, where: string): number {
  for (const row of rows) {
    const width = row.reduce((a, c) => a + c.w, 0);
    if (width > GRID_WIDTH) throw new Error(`${where}: a row is ${width} columns wide (max ${GRID_WIDTH})`);
    let x = 0;
    for (const c of row) {
      c.panel.gridPos({ x, y, w: c.w, h: c.h });
      add(c.panel);
      x += c.w;
    }
    y += Math.max(...row.map((c) => c.h));
  }
  return y;
}

/**
 * The dashboard's panels: the core panels first (top-level, no row header: the dashboard's eight
 * headline panels), then each extra section under its own row header.
 */
export function compose(d: DashboardBuilder, uid: string, core: Cell[][], extras: Section[] = []): Dashboard {
  let y = place(core, 0, (p) => d.withPanel(p), uid);
  for (const s of extras) {
    const row = new RowBuilder(s.title).collapsed(Boolean(s.collapsed)).gridPos({ x: 0, y, w: GRID_WIDTH, h: 1 });
    if (s.collapsed) {
      y = place(s.rows, y + 1, (p) => row.withPanel(p), uid);
      d.withRow(row);
    } else {
      d.withRow(row);
      y = place(s.rows, y + 1, (p) => d.withPanel(p), uid);
    }
  }
  return finalize(d.build());
}

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Numbers panels (rows included) 1…n in layout order and their queries A, B, C… */
export function finalize(dash: Dashboard): Dashboard {
  let id = 0;
  const number = (p: Panel | RowPanel) => {
    p.id = ++id;
    if (p.type === 'row') {
      (p as RowPanel).panels.forEach(number);
      return;
    }
    const panel = p as Panel;
    const targets = panel.targets ?? [];
    if (targets.length > REF_IDS.length) throw new Error(`panel "${panel.title}": too many queries`);
    // A refId set on purpose (an override matches it by byFrameRefID, usd.ts) is kept.
    const taken = new Set(targets.map((t) => (t as { refId?: string }).refId).filter(Boolean));
    const free = [...REF_IDS].filter((r) => !taken.has(r));
    targets.forEach((t) => ((t as { refId?: string }).refId ||= free.shift()));
    // The panel-level datasource is what Grafana shows in the editor; derive it from the queries
    // (all built with prom()/loki()) so no module can forget it or contradict them.
    const sources = [...new Set(targets.map((t) => JSON.stringify((t as { datasource?: unknown }).datasource)))];
    if (sources.length > 1) throw new Error(`panel "${panel.title}": queries use different datasources`);
    if (sources.length === 1 && sources[0] !== undefined) panel.datasource = JSON.parse(sources[0]);
  };
  (dash.panels ?? []).forEach(number);
  return dash;
}

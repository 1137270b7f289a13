// CSV as spreadsheets read it (RFC 4180: CRLF, quotes doubled). Label values come from log lines,
// so a text cell starting with = + - @ is prefixed with ' to keep a spreadsheet from running it as
// a formula (OWASP "CSV injection"). Numbers are written as they are.

export type Cell = string | number | null;

function cell(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Money for spreadsheets: micro-units, enough for sums that agree to the cent with any subtotal. */
export function csvMoney(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

// Prometheus durations ("90s", "1h30m", "3d") to seconds and back, for `for:` caps and window names.

const UNITS: Array<[string, number]> = [
  ['w', 604_800],
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
];

export function parseDuration(text: string): number {
  const re = /(\d+)(ms|[wdhms])/y;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new Error(`not a Prometheus duration: "${text}"`);
    total += m[2] === 'ms' ? Number(m[1]) / 1000 : Number(m[1]) * UNITS.find(([u]) => u === m[2])![1];
    pos = re.lastIndex;
  }
  if (text.length === 0) throw new Error('empty duration');
  return total;
}

/** Whole seconds as the shortest Prometheus duration: 3600 → "1h", 5400 → "1h30m", 0 → "0s". */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`cannot format ${seconds}s as a duration`);
  if (seconds === 0) return '0s';
  let rest = seconds;
  let out = '';
  for (const [unit, size] of UNITS) {
    if (unit === 'w') continue; // "7d" reads better than "1w" next to "1d" and "3d"
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

// Loads the provider-shaped fixtures in test/fixtures/formats as log lines.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../fixtures/formats/', import.meta.url));

export const fixtureNames: string[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8')) as Record<string, unknown>;
}

/** The fixture as one log line, the way a log file holds it. */
export function fixtureLine(name: string): string {
  return JSON.stringify(fixture(name));
}

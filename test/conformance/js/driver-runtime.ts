// The driver side of support/driver.ts for Node clients: answers {"ready"} once the library is set
// up, then runs each requested case, flushes the telemetry and answers {"done"}.
import { createInterface } from 'node:readline';

export type Cases = Record<string, () => Promise<void>>;

export async function serveCases(cases: Cases, flush: () => Promise<void>, shutdown: () => Promise<void>): Promise<never> {
  const reply = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');
  reply({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const msg = JSON.parse(line) as { run?: string; exit?: boolean };
    if (msg.exit) break;
    const name = msg.run ?? '';
    const fn = cases[name];
    if (!fn) {
      reply({ done: name, ok: false, skip: 'this client has no such case' });
      continue;
    }
    try {
      await fn();
      await flush();
      reply({ done: name, ok: true });
    } catch (e) {
      await flush().catch(() => undefined);
      reply({ done: name, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  }
  await shutdown().catch(() => undefined);
  process.exit(0);
}

export function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

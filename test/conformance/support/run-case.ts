// One conformance case driven by a client driver (JS or Python): run it, check it, or report it
// skipped when the driver says the client cannot run that shape.
import type { TestContext } from 'vitest';
import { gapFor } from '../gaps.js';
import { CaseSkipped, type Driver } from './driver.js';
import { checkCase, type Conformance } from './harness.js';

export async function runDriverCase(conf: Conformance, client: { name: string; short: string }, shape: string, driver: Driver, ctx: TestContext): Promise<void> {
  try {
    const r = await conf.case(client.name, shape, () => driver.run(shape), { calls: shape.includes('2 steps') ? 2 : 1, gap: gapFor(client.short, shape) });
    checkCase(r);
  } catch (e) {
    if (!(e instanceof CaseSkipped)) throw e;
    conf.skip(client.name, shape, e.message);
    ctx.skip();
  }
}

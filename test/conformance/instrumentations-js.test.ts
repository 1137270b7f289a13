// Conformance: OpenLLMetry JS (@traceloop/instrumentation-openai, -anthropic) and OpenLIT JS
// (`openlit`) instrumenting the official `openai` and `@anthropic-ai/sdk` packages, each in its own
// Node process (they patch the SDKs globally), calling the fake provider and exporting OTLP/HTTP to
// the running exporter. Each case must show on /metrics exactly what the fake served, or, where
// gaps.ts declares a client gap, exactly what the client emitted (and the gap must be real).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { APP_CASES } from './js/app-cases.js';
import { Driver } from './support/driver.js';
import { Conformance, npmVersion } from './support/harness.js';
import { runDriverCase } from './support/run-case.js';

let conf: Conformance;
beforeAll(async () => {
  conf = await Conformance.start('instrumentations-js');
});
afterAll(async () => {
  if (conf) {
    console.log(conf.writeReport());
    await conf.close();
  }
});

const CLIENTS = [
  { short: 'OpenLLMetry JS', name: `OpenLLMetry JS ${npmVersion('@traceloop/instrumentation-openai')} (openai ${npmVersion('openai')}, @anthropic-ai/sdk ${npmVersion('@anthropic-ai/sdk')})`, script: 'test/conformance/js/openllmetry.ts', service: 'conformance-openllmetry-js' },
  { short: 'OpenLIT JS', name: `OpenLIT JS ${npmVersion('openlit')}`, script: 'test/conformance/js/openlit.ts', service: 'conformance-openlit-js' },
];

for (const c of CLIENTS) {
  describe(`${c.name} → OTLP → tokenscope serve`, () => {
    let driver: Driver | undefined;
    let startError: Error | undefined;
    beforeAll(async () => {
      try {
        driver = await Driver.start(c.name, process.execPath, ['--import', 'tsx', c.script], { FAKE_URL: conf.fake.url, OTLP_URL: conf.otlpUrl, SERVICE_NAME: c.service });
      } catch (e) {
        startError = e as Error;
      }
    });
    afterAll(async () => {
      await driver?.stop();
    });

    for (const shape of APP_CASES) {
      it(shape, async (ctx) => {
        if (startError) throw startError;
        await runDriverCase(conf, c, shape, driver!, ctx);
      });
    }
  });
}

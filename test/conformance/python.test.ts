// Conformance: Python clients, each in its own interpreter from .venv-conformance/ (made on first
// run from the pinned test/conformance/python/requirements.txt, then reused), calling the fake
// provider through the official `openai` and `anthropic` SDKs or LiteLLM and sending their
// telemetry to the running exporter:
//   - LiteLLM with its OpenTelemetry callback (litellm.callbacks = ["otel"], OTLP/HTTP protobuf);
//   - LiteLLM with a CustomLogger writing each StandardLoggingPayload as a JSON line to a file the
//     exporter tails;
//   - opentelemetry-instrumentation-openai-v2 (default and gen_ai_latest_experimental conventions);
//   - OpenLIT (openlit.init) and OpenLLMetry (traceloop-sdk, Traceloop.init).
// Each case must show on /metrics exactly what the fake served (support/harness.ts), or, where
// gaps.ts declares a client gap, exactly what the client emitted (and the gap must be real).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { APP_CASES } from './js/app-cases.js';
import { Driver } from './support/driver.js';
import { Conformance } from './support/harness.js';
import { runDriverCase } from './support/run-case.js';
import { ensurePythonEnv, pinned, type PythonEnv } from './support/python-env.js';

const DRIVER = 'test/conformance/python/driver.py';

let conf: Conformance;
let env: PythonEnv | undefined;
let envError: Error | undefined;

beforeAll(async () => {
  try {
    env = await ensurePythonEnv();
    console.log(`python venv: ${env.cached ? 'reused' : 'installed'} in ${env.seconds.toFixed(1)} s`);
  } catch (e) {
    envError = e as Error;
  }
  conf = await Conformance.start('python');
}, 20 * 60_000);

afterAll(async () => {
  if (conf) {
    console.log(conf.writeReport());
    await conf.close();
  }
});

interface Client {
  /** The client's key in gaps.ts. */
  short: string;
  name: string;
  driver: string;
  env?: Record<string, string>;
  cases: readonly string[];
}

const CHAT_ONLY = APP_CASES.filter((c) => c.startsWith('openai.chat'));
const CLIENTS: Client[] = [
  {
    short: 'LiteLLM otel',
    name: `LiteLLM ${pinned('litellm')} otel callback`,
    driver: 'litellm-otel',
    env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_SERVICE_NAME: 'conformance-litellm-otel' },
    cases: APP_CASES,
  },
  { short: 'LiteLLM JSONL', name: `LiteLLM ${pinned('litellm')} StandardLoggingPayload JSONL`, driver: 'litellm-logger', cases: APP_CASES },
  // It instruments Chat Completions (and embeddings) only.
  { short: 'openai-v2', name: `opentelemetry-instrumentation-openai-v2 ${pinned('opentelemetry-instrumentation-openai-v2')}`, driver: 'openai-v2', cases: CHAT_ONLY },
  {
    short: 'openai-v2 latest',
    name: `opentelemetry-instrumentation-openai-v2 ${pinned('opentelemetry-instrumentation-openai-v2')} (gen_ai_latest_experimental)`,
    driver: 'openai-v2',
    env: { OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental' },
    cases: CHAT_ONLY,
  },
  { short: 'OpenLIT', name: `OpenLIT ${pinned('openlit')}`, driver: 'openlit', cases: APP_CASES },
  { short: 'traceloop', name: `OpenLLMetry traceloop-sdk ${pinned('traceloop-sdk')}`, driver: 'traceloop', cases: APP_CASES },
];

for (const c of CLIENTS) {
  describe(`${c.name} → tokenscope serve`, () => {
    let driver: Driver | undefined;
    let startError: Error | undefined;
    beforeAll(async () => {
      if (envError) return;
      try {
        const service = `conformance-${c.driver}${c.env?.OTEL_SEMCONV_STABILITY_OPT_IN ? '-latest' : ''}`;
        driver = await Driver.start(
          c.name,
          env!.python,
          [DRIVER, c.driver],
          {
            FAKE_URL: conf.fake.url,
            OTLP_URL: conf.otlpUrl,
            OTEL_EXPORTER_OTLP_ENDPOINT: c.driver === 'litellm-otel' ? conf.otlpUrl : '',
            SERVICE_NAME: service,
            LOG_FILE: join(conf.logDir, `${c.driver}.jsonl`),
            // No downloads at start-up: LiteLLM's model map and tokenizers, Traceloop's telemetry.
            LITELLM_LOCAL_MODEL_COST_MAP: 'True',
            LITELLM_TELEMETRY: 'False',
            TRACELOOP_TELEMETRY: 'false',
            TRACELOOP_METRICS_ENABLED: 'false',
            HF_HUB_OFFLINE: '1',
            PYTHONUNBUFFERED: '1',
            ...c.env,
          },
          120_000,
        );
      } catch (e) {
        startError = e as Error;
      }
    }, 150_000);
    afterAll(async () => {
      await driver?.stop();
    });

    for (const shape of c.cases) {
      it(shape, async (ctx) => {
        if (envError) throw envError;
        if (startError) throw startError;
        await runDriverCase(conf, c, shape, driver!, ctx);
      });
    }
  });
}

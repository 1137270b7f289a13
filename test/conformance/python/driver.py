"""Conformance driver for Python clients (see test/conformance/support/driver.ts for the protocol).

    python driver.py <client>

<client> is one of:
  openai-v2        opentelemetry-instrumentation-openai-v2 on the `openai` SDK, with an OTel SDK
                   TracerProvider exporting OTLP/HTTP protobuf (set OTEL_SEMCONV_STABILITY_OPT_IN=
                   gen_ai_latest_experimental for its newer conventions)
  openlit          openlit.init(otlp_endpoint=...) on the `openai` and `anthropic` SDKs
  traceloop        Traceloop.init(api_endpoint=...) (OpenLLMetry) on the same SDKs
  litellm-otel     litellm.completion / litellm.responses with litellm.callbacks = ["otel"]
  litellm-logger   the same calls with a CustomLogger writing each StandardLoggingPayload as a JSON
                   line to $LOG_FILE, a file the exporter tails

Environment: FAKE_URL (the fake provider), OTLP_URL (where to export), SERVICE_NAME, LOG_FILE.
Each case makes real SDK calls to the fake provider, then flushes the telemetry and answers.
"""

import json
import os
import sys
import threading
import time
import traceback

# Replies go to the real stdout; anything the libraries print goes to stderr.
_reply_stream = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
sys.stdout = sys.stderr

CLIENT = sys.argv[1]
FAKE = os.environ["FAKE_URL"]
OTLP = os.environ["OTLP_URL"]
SERVICE = os.environ["SERVICE_NAME"]
OPENAI_MODEL = "o4-mini"
ANTHROPIC_MODEL = "claude-sonnet-4-20250514"
ASK = "What is the weather in Paris?"
PARAMS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
TOOL_RESULT = '{"sky":"sunny","celsius":21}'


def reply(**o):
    _reply_stream.write(json.dumps(o) + "\n")
    _reply_stream.flush()


def flush_global_provider():
    from opentelemetry import trace

    provider = trace.get_tracer_provider()
    if hasattr(provider, "force_flush"):
        provider.force_flush()


# ---- the application code: the official SDKs ---------------------------------------------------


def sdk_cases():
    import anthropic
    import openai

    def oa():
        return openai.OpenAI(base_url=f"{FAKE}/v1", api_key="sk-conformance")

    def an():
        return anthropic.Anthropic(base_url=FAKE, api_key="sk-ant-conformance")

    def chat_generate():
        oa().chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": ASK}])

    def chat_stream():
        s = oa().chat.completions.create(
            model=OPENAI_MODEL, messages=[{"role": "user", "content": ASK}], stream=True, stream_options={"include_usage": True}
        )
        for _ in s:
            pass

    def chat_tools():
        client = oa()
        tools = [{"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city", "parameters": PARAMS}}]
        messages = [{"role": "user", "content": ASK}]
        first = client.chat.completions.create(model=OPENAI_MODEL, messages=messages, tools=tools)
        msg = first.choices[0].message
        messages.append(msg.model_dump(exclude_none=True))
        for call in msg.tool_calls or []:
            messages.append({"role": "tool", "tool_call_id": call.id, "content": TOOL_RESULT})
        client.chat.completions.create(model=OPENAI_MODEL, messages=messages, tools=tools)

    def responses_generate():
        oa().responses.create(model=OPENAI_MODEL, input=ASK)

    def responses_stream():
        for _ in oa().responses.create(model=OPENAI_MODEL, input=ASK, stream=True):
            pass

    def messages_generate():
        an().messages.create(model=ANTHROPIC_MODEL, max_tokens=1024, messages=[{"role": "user", "content": ASK}])

    def messages_stream():
        s = an().messages.create(model=ANTHROPIC_MODEL, max_tokens=1024, messages=[{"role": "user", "content": ASK}], stream=True)
        for _ in s:
            pass

    def messages_tools():
        client = an()
        tools = [{"name": "get_weather", "description": "Current weather for a city", "input_schema": PARAMS}]
        messages = [{"role": "user", "content": ASK}]
        first = client.messages.create(model=ANTHROPIC_MODEL, max_tokens=1024, messages=messages, tools=tools)
        messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]})
        results = [{"type": "tool_result", "tool_use_id": b.id, "content": TOOL_RESULT} for b in first.content if b.type == "tool_use"]
        messages.append({"role": "user", "content": results})
        client.messages.create(model=ANTHROPIC_MODEL, max_tokens=1024, messages=messages, tools=tools)

    return {
        "openai.chat generate": chat_generate,
        "openai.chat stream": chat_stream,
        "openai.chat tool call, 2 steps": chat_tools,
        "openai.responses generate": responses_generate,
        "openai.responses stream": responses_stream,
        "anthropic.messages generate": messages_generate,
        "anthropic.messages stream": messages_stream,
        "anthropic.messages tool call, 2 steps": messages_tools,
    }


# ---- the clients ----------------------------------------------------------------------------------


def setup_openai_v2():
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{OTLP}/v1/traces")))
    trace.set_tracer_provider(provider)
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    cases = sdk_cases()
    # It instruments Chat Completions (and embeddings) only.
    return {k: v for k, v in cases.items() if k.startswith("openai.chat")}, provider.force_flush, provider.shutdown


def setup_openlit():
    import tempfile

    import openlit

    # An empty price list from a file, so that it does not fetch its own from GitHub.
    prices = os.path.join(tempfile.mkdtemp(), "pricing.json")
    with open(prices, "w") as f:
        f.write("{}")
    # Metrics off: each case is measured by its spans (the exporter ignores a service's gen_ai
    # metrics once its spans arrive anyway).
    openlit.init(otlp_endpoint=OTLP, application_name=SERVICE, disable_batch=True, disable_metrics=True, pricing_json=prices)
    return sdk_cases(), flush_global_provider, flush_global_provider


def setup_traceloop():
    from traceloop.sdk import Traceloop

    Traceloop.init(app_name=SERVICE, api_endpoint=OTLP, disable_batch=True, telemetry_enabled=False)
    return sdk_cases(), flush_global_provider, flush_global_provider


class _Calls:
    """Counts LiteLLM's finished-call callbacks, to know when its logging is done."""

    def __init__(self):
        self.n = 0
        self.cond = threading.Condition()

    def hit(self):
        with self.cond:
            self.n += 1
            self.cond.notify_all()

    def wait(self, n, timeout=15):
        end = time.time() + timeout
        with self.cond:
            while self.n < n and time.time() < end:
                self.cond.wait(0.1)
        return self.n >= n


def setup_litellm(mode):
    import litellm
    from litellm.integrations.custom_logger import CustomLogger

    calls = _Calls()

    class Counter(CustomLogger):
        def log_success_event(self, kwargs, response_obj, start_time, end_time):
            calls.hit()

        async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
            calls.hit()

        def log_failure_event(self, kwargs, response_obj, start_time, end_time):
            calls.hit()

        async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):
            calls.hit()

    if mode == "otel":
        litellm.callbacks = ["otel", Counter()]
    else:
        lock = threading.Lock()
        path = os.environ["LOG_FILE"]

        class JsonLines(CustomLogger):
            """Writes the StandardLoggingPayload of every finished call as one JSON line."""

            def _write(self, kwargs):
                payload = kwargs.get("standard_logging_object")
                if payload is None:
                    return
                with lock, open(path, "a") as f:
                    f.write(json.dumps(payload, default=str) + "\n")

            def log_success_event(self, kwargs, response_obj, start_time, end_time):
                self._write(kwargs)

            async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
                self._write(kwargs)

            def log_failure_event(self, kwargs, response_obj, start_time, end_time):
                self._write(kwargs)

            async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):
                self._write(kwargs)

        litellm.callbacks = [JsonLines(), Counter()]

    oa = dict(api_base=f"{FAKE}/v1", api_key="sk-conformance")
    an = dict(api_base=FAKE, api_key="sk-ant-conformance")
    om = f"openai/{OPENAI_MODEL}"
    am = f"anthropic/{ANTHROPIC_MODEL}"
    user = [{"role": "user", "content": ASK}]
    chat_tools = [{"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city", "parameters": PARAMS}}]

    def once(call):
        call()
        return 1

    def tool_loop(model, kw):
        messages = list(user)
        first = litellm.completion(model=model, messages=messages, tools=chat_tools, **kw)
        msg = first.choices[0].message
        messages.append(msg.model_dump(exclude_none=True))
        for call in msg.tool_calls or []:
            messages.append({"role": "tool", "tool_call_id": call.id, "content": TOOL_RESULT})
        litellm.completion(model=model, messages=messages, tools=chat_tools, **kw)
        return 2

    def stream(model, kw):
        for _ in litellm.completion(model=model, messages=user, stream=True, stream_options={"include_usage": True}, **kw):
            pass
        return 1

    def responses_stream():
        for _ in litellm.responses(model=om, input=ASK, stream=True, **oa):
            pass
        return 1

    cases = {
        "openai.chat generate": lambda: once(lambda: litellm.completion(model=om, messages=user, **oa)),
        "openai.chat stream": lambda: stream(om, oa),
        "openai.chat tool call, 2 steps": lambda: tool_loop(om, oa),
        "openai.responses generate": lambda: once(lambda: litellm.responses(model=om, input=ASK, **oa)),
        "openai.responses stream": responses_stream,
        "anthropic.messages generate": lambda: once(lambda: litellm.completion(model=am, messages=user, max_tokens=1024, **an)),
        "anthropic.messages stream": lambda: stream(am, dict(an, max_tokens=1024)),
        "anthropic.messages tool call, 2 steps": lambda: tool_loop(am, dict(an, max_tokens=1024)),
    }

    done = [0]

    def wrap(fn):
        def run():
            done[0] += fn()
            # LiteLLM logs from a worker after the call returns: wait for its callbacks.
            if not calls.wait(done[0]):
                raise RuntimeError(f"LiteLLM ran {calls.n} of {done[0]} logging callbacks")
            time.sleep(0.2)

        return run

    flush = flush_global_provider if mode == "otel" else (lambda: None)
    return {k: wrap(v) for k, v in cases.items()}, flush, flush


SETUP = {
    "openai-v2": setup_openai_v2,
    "openlit": setup_openlit,
    "traceloop": setup_traceloop,
    "litellm-otel": lambda: setup_litellm("otel"),
    "litellm-logger": lambda: setup_litellm("logger"),
}


def main():
    try:
        cases, flush, shutdown = SETUP[CLIENT]()
    except Exception as e:  # noqa: BLE001
        reply(ready=False, error=f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
        return 1
    reply(ready=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        if msg.get("exit"):
            break
        name = msg.get("run", "")
        fn = cases.get(name)
        if fn is None:
            reply(done=name, ok=False, skip=f"{CLIENT} has no case {name!r}")
            continue
        try:
            fn()
            flush()
            reply(done=name, ok=True)
        except Exception as e:  # noqa: BLE001
            try:
                flush()
            except Exception:  # noqa: BLE001
                pass
            reply(done=name, ok=False, error=f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
    try:
        shutdown()
    except Exception:  # noqa: BLE001
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

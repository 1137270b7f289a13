// A streamed response logged as its server-sent-events transcript ("event: ...\ndata: {...}\n\n"),
// turned into the list of event objects that stream.ts reads. Only `data:` fields matter (each
// event's JSON names its own type); `event:`, `id:`, `retry:` and comments are skipped, as is
// OpenAI's closing `data: [DONE]`. A transcript holds completion text, so no rejection ever
// quotes it.
import { LineRejection } from '../events/types.js';
import { type JsonObject, isObject } from './fields.js';

/** The events' JSON objects, or undefined when the text has no data field (not a transcript: an HTML error page). */
export function parseSse(text: string): JsonObject[] | undefined {
  if (!/^data:/m.test(text)) return undefined;
  const events: JsonObject[] = [];
  let data: string | undefined;
  const dispatch = (): void => {
    if (data === undefined) return;
    const payload = data;
    data = undefined;
    if (payload.trim() === '[DONE]') return;
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      throw new LineRejection('invalid_field', `response[${events.length}]`, 'expected the data of a server-sent event to be JSON, got something else');
    }
    if (!isObject(value)) throw new LineRejection('invalid_field', `response[${events.length}]`, 'expected the data of a server-sent event to be a JSON object');
    events.push(value);
  };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') dispatch();
    else if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      // Several data lines in one event are one payload, joined by newlines (the SSE rule).
      data = data === undefined ? value : `${data}\n${value}`;
    }
  }
  dispatch();
  return events;
}

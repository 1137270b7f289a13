// One HTTP push to Loki's push API. Classifies failures for the shipper's retry loop: 429, 5xx,
// timeouts and connection errors are RetryableError (a retry may help); any other non-2xx means
// Loki rejected the data (too old, too long, bad labels) and is a plain Error.

const PUSH_PATH = '/loki/api/v1/push';

export interface PushTarget {
  url: string;
  authorization?: string;
}

export class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Splits userinfo out of the URL (fetch refuses URLs with credentials) and appends the push path. */
export function pushTarget(url: string): PushTarget {
  const u = new URL(url);
  let authorization: string | undefined;
  if (u.username || u.password) {
    authorization = 'Basic ' + Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
    u.username = '';
    u.password = '';
  }
  if (!u.pathname.endsWith(PUSH_PATH)) u.pathname = u.pathname.replace(/\/+$/, '') + PUSH_PATH;
  return { url: u.toString(), authorization };
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/** POSTs one JSON push body; resolves on 2xx, throws RetryableError or Error otherwise. */
export async function postPush(target: PushTarget, headers: Record<string, string>, body: string, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(target.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(target.authorization ? { Authorization: target.authorization } : {}),
        ...headers,
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new RetryableError(`${(e as Error).name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (e as Error).message}${cause ? ` (${cause})` : ''}`);
  }
  if (res.ok) return;
  const text = (await res.text().catch(() => '')).slice(0, 300);
  await res.body?.cancel().catch(() => undefined);
  const msg = `HTTP ${res.status}${text ? `: ${text.trim()}` : ''}`;
  if (res.status === 429 || res.status >= 500) throw new RetryableError(msg, retryAfterMs(res.headers.get('retry-after')));
  throw new Error(msg);
}

// A loopback stand-in for the receivers in alertmanager/alertmanager.yml, so the local stack and
// the tests can watch real Alertmanager notifications without paging anyone:
//   POST /pagerduty/v2/enqueue  PagerDuty Events API v2 (the oncall-pager receiver)
//   POST /slack/<name>          Slack incoming webhook (team-tickets, watchdog)
//   GET  /notifications         everything received so far, as JSON
// It answers like the real services (202 + dedup_key, 200 "ok"), so Alertmanager treats the
// notifications as delivered and does not retry.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Notification {
  /** "pagerduty" or the Slack path name ("ticket", "watchdog"). */
  receiver: string;
  receivedAtMs: number;
  body: any;
}

/** PagerDuty Events API v2 fields Alertmanager sends. */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve' | 'acknowledge';
  dedup_key: string;
  payload?: { summary: string; source: string; severity: string; custom_details?: Record<string, string> };
  links?: Array<{ href: string; text: string }>;
  client?: string;
  client_url?: string;
}

export class AlertSink {
  readonly notifications: Notification[] = [];
  private listeners: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(opts: { port?: number; host?: string; onNotification?: (n: Notification) => void } = {}): Promise<AlertSink> {
    let sink: AlertSink | undefined;
    const server = createServer((req, res) => void sink!.handle(req, res, opts.onNotification));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
    const addr = server.address() as AddressInfo;
    sink = new AlertSink(server, `http://${opts.host ?? '127.0.0.1'}:${addr.port}`);
    return sink;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, onNotification?: (n: Notification) => void): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/notifications') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(this.notifications));
      return;
    }
    if (req.method !== 'POST') {
      res.statusCode = 405;
      res.end();
      return;
    }
    let body: any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.statusCode = 400;
      res.end('invalid JSON');
      return;
    }
    let receiver: string;
    if (path === '/pagerduty/v2/enqueue') {
      receiver = 'pagerduty';
      res.statusCode = 202;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: body?.dedup_key }));
    } else if (path.startsWith('/slack/')) {
      receiver = path.slice('/slack/'.length);
      res.end('ok');
    } else {
      res.statusCode = 404;
      res.end();
      return;
    }
    const n = { receiver, receivedAtMs: Date.now(), body };
    this.notifications.push(n);
    onNotification?.(n);
    for (const l of this.listeners.splice(0)) l();
  }

  pages(): Array<Notification & { body: PagerDutyEvent }> {
    return this.notifications.filter((n) => n.receiver === 'pagerduty');
  }

  /** Resolves with the first notification (already received or future) that matches. */
  waitFor(what: string, match: (n: Notification) => boolean, timeoutMs: number): Promise<Notification> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== check);
        reject(new Error(`no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(this.notifications.map(oneLine))}`));
      }, timeoutMs);
      const check = () => {
        const n = this.notifications.find(match);
        if (n) {
          clearTimeout(timer);
          resolve(n);
        } else this.listeners.push(check);
      };
      check();
    });
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.closeAllConnections();
      this.server.close(() => r());
    });
  }
}

/** One human line per notification, for the local stack's console and for test failures. */
export function oneLine(n: Notification): string {
  const t = new Date(n.receivedAtMs).toTimeString().slice(0, 8);
  if (n.receiver === 'pagerduty') {
    const b = n.body as PagerDutyEvent;
    const what = b.event_action === 'trigger' ? 'PAGE   ' : b.event_action === 'resolve' ? 'RESOLVE' : b.event_action;
    return `${t} ${what} ${b.payload?.summary ?? b.dedup_key}${b.links?.[0] ? `  runbook: ${b.links[0].href}` : ''}`;
  }
  const a = n.body?.attachments?.[0];
  const kind = n.receiver === 'watchdog' ? 'WATCHDOG' : `TICKET (${n.receiver})`;
  return `${t} ${kind} ${a?.title ?? n.body?.text ?? ''}`;
}

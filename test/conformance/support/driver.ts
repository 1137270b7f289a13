// A client library running in its own process (a Python interpreter, or Node for libraries that
// patch modules globally), driven case by case over stdin/stdout, one JSON object per line:
//
//   test → driver   {"run": "<case>"}           driver → test   {"done": "<case>", "ok": true}
//                   {"exit": true}                               {"done": "<case>", "ok": false, "error": "…"}
//
// The driver says {"ready": true} once its library is set up, and answers "done" only after it has
// flushed its telemetry, so what the exporter shows next belongs to that case. Anything else the
// process prints is kept for error messages. It is stopped by its process group id.
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from '../../support/processes.js';

interface Reply {
  ready?: boolean;
  done?: string;
  ok?: boolean;
  error?: string;
  skip?: string;
}

export class CaseSkipped extends Error {
  override name = 'CaseSkipped';
}

export class Driver {
  private out = '';
  private waiting: ((r: Reply) => void) | undefined;
  private exited: Promise<number | null>;
  private readyReply: Reply | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    let buf = '';
    child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let reply: Reply | undefined;
        if (line.startsWith('{"')) {
          try {
            reply = JSON.parse(line) as Reply;
          } catch {
            /* not ours */
          }
        }
        if (reply && (reply.ready !== undefined || reply.done !== undefined)) {
          if (reply.ready !== undefined) this.readyReply = reply;
          const w = this.waiting;
          this.waiting = undefined;
          w?.(reply);
        } else this.keep(line + '\n');
      }
    });
    child.stderr!.on('data', (b: Buffer) => this.keep(b.toString()));
    this.exited = new Promise((r) =>
      child.on('exit', (code) => {
        const w = this.waiting;
        this.waiting = undefined;
        w?.({ done: '', ok: false, error: `driver exited with ${code}` });
        r(code);
      }),
    );
  }

  static async start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, readyTimeoutMs = 60_000): Promise<Driver> {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const d = new Driver(name, child);
    const r = d.readyReply ?? (await d.next(readyTimeoutMs, 'ready'));
    if (!r.ready) {
      await d.kill();
      throw new Error(`${name} did not start: ${r.error ?? ''}\n${d.output().slice(-4000)}`);
    }
    return d;
  }

  output(): string {
    return this.out;
  }

  private keep(s: string): void {
    this.out += s;
    if (this.out.length > 400_000) this.out = this.out.slice(-200_000);
  }

  private next(timeoutMs: number, what: string): Promise<Reply> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiting = undefined;
        resolve({ done: '', ok: false, error: `no answer to ${what} within ${timeoutMs} ms` });
      }, timeoutMs);
      this.waiting = (r) => {
        clearTimeout(t);
        resolve(r);
      };
    });
  }

  /** Runs one case; resolves when the driver has flushed its telemetry. */
  async run(caseId: string, timeoutMs = 45_000): Promise<void> {
    const mark = this.out.length;
    const answer = this.next(timeoutMs, caseId);
    this.child.stdin!.write(JSON.stringify({ run: caseId }) + '\n');
    const r = await answer;
    if (r.skip) throw new CaseSkipped(r.skip);
    if (!r.ok) throw new Error(`${this.name} ${caseId}: ${r.error ?? 'failed'}\n${this.out.slice(Math.max(0, mark - 200)).slice(-4000)}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin!.write(JSON.stringify({ exit: true }) + '\n');
    const t = setTimeout(() => void this.kill(), 15_000);
    await this.exited;
    clearTimeout(t);
  }

  private async kill(): Promise<void> {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
    await this.exited;
  }
}

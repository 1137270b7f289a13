// A real PostgreSQL for the tests: a throw-away cluster (initdb) in a temp directory, listening on
// a free loopback port and a unix socket inside that directory, trust auth for loopback and the
// socket only, one database created. PostgreSQL refuses to run as root, so as root the cluster is
// owned by and run as the `postgres` OS user. Stopped by pid (SIGINT: fast shutdown), then removed.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, waitFor } from './ports.js';

export interface PgServer {
  /** postgres://postgres@127.0.0.1:port/db */
  url: string;
  port: number;
  dir: string;
  /** A URL for another database of the same cluster, created on first use. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** initdb/postgres on PATH, else the newest /usr/lib/postgresql/<v>/bin. */
export function findPostgresBin(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(':').find((d) => d && existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres')));
  if (onPath) return onPath;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : undefined;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * A freshly initdb'd data directory to copy: making one costs about a second of CPU, copying it a
 * third of that. Built in a temp dir and renamed into place, so parallel test files never see a
 * half-made one; keyed by the binary directory, so another PostgreSQL version gets its own.
 */
function template(bin: string, user: { uid: number; gid: number } | undefined, env: NodeJS.ProcessEnv): string {
  const id = createHash('sha256').update(`${bin}\0${process.getuid?.()}`).digest('hex').slice(0, 12);
  const path = join(tmpdir(), `tokenscope-pg-template-${id}`);
  if (existsSync(join(path, 'PG_VERSION'))) return path;
  const work = mkdtempSync(join(tmpdir(), 'tokenscope-pg-init-'));
  if (user) chownSync(work, user.uid, user.gid);
  try {
    const data = join(work, 'data');
    execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], {
      ...(user ?? {}),
      env,
      stdio: 'pipe',
    });
    try {
      renameSync(data, path);
    } catch (e) {
      // Another test file made it first: use theirs.
      if (!existsSync(join(path, 'PG_VERSION'))) throw e;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return path;
}

export async function startPostgres(opts: { database?: string } = {}): Promise<PgServer> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL not found (initdb/postgres on PATH or in /usr/lib/postgresql/*/bin): run scripts/ensure-deps.sh');
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-pg-'));
  const data = join(dir, 'data');
  const user = postgresUser();
  if (user) chownSync(dir, user.uid, user.gid);
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { ...process.env, HOME: dir, LC_ALL: 'C', LANG: 'C' };
  // initdb once per binary and machine; each cluster is a copy (cp -a keeps owner and modes).
  execFileSync('cp', ['-a', template(bin, user, env), data]);
  // Trust, but only over the cluster's own socket and loopback.
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
  if (user) chownSync(join(data, 'pg_hba.conf'), user.uid, user.gid);
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100'],
    { ...asUser, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (b: Buffer) => {
    log = (log + b.toString()).slice(-20_000);
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const base = `postgres://postgres@127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // fast shutdown: disconnects clients, no checkpoint wait for them
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'PostgreSQL to accept connections',
      async () => {
        if (child.exitCode !== null) throw new Error(`postgres exited: ${log.slice(-2000)}`);
        const c = new pg.Client({ connectionString: `${base}/postgres` });
        await c.connect();
        await c.end();
        return true;
      },
      20_000,
      50,
    );
    const created = new Set<string>();
    const createDatabase = async (name: string) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error('database name must be a lower-case identifier');
      if (!created.has(name)) {
        const c = new pg.Client({ connectionString: `${base}/postgres` });
        await c.connect();
        try {
          await c.query(`CREATE DATABASE ${name}`);
        } finally {
          await c.end();
        }
        created.add(name);
      }
      return `${base}/${name}`;
    };
    const url = await createDatabase(opts.database ?? 'tokenscope');
    return { url, port, dir, createDatabase, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

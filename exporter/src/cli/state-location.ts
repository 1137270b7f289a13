// Where `tokenscope serve` keeps its durable state, and where tailing starts. Durable by default:
// without a state file every restart re-read whole files, the counters dropped and climbed back,
// and Prometheus' increase() took the climb for new traffic. Running without state is an explicit
// choice (--no-state), and then tailing starts at the end of existing files, like `tail -F`, so a
// restart never counts a line twice (it does not count what was written while it was down either).
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

export interface StateLocationOptions {
  /** --state-file: the state file itself. */
  stateFile?: string;
  /** --data-dir: the directory the default state file lives in. */
  dataDir?: string;
  /** false with --no-state. */
  state?: boolean;
  startAt?: string;
}

export interface StatePlan {
  /** Undefined with --no-state. */
  stateFile?: string;
  startAt: 'beginning' | 'end';
  warnings: string[];
}

/**
 * The data directory when --data-dir is not given: $XDG_STATE_HOME/tokenscope (XDG Base
 * Directory: state that should persist between restarts), else /var/lib/tokenscope for root (a
 * system service), else ~/.local/state/tokenscope.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): string {
  const xdg = env.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'tokenscope'); // the spec says to ignore relative values
  if (uid === 0) return '/var/lib/tokenscope';
  return join(env.HOME || homedir(), '.local', 'state', 'tokenscope');
}

export function planState(opts: StateLocationOptions, env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): StatePlan {
  if (opts.startAt !== undefined && opts.startAt !== 'beginning' && opts.startAt !== 'end') {
    throw new Error(`--start-at must be "beginning" or "end", got "${opts.startAt}"`);
  }
  const startAt = opts.startAt as StatePlan['startAt'] | undefined;
  if (opts.state === false) {
    if (opts.stateFile !== undefined || opts.dataDir !== undefined) throw new Error('--no-state cannot be combined with --state-file or --data-dir');
    const warnings =
      startAt === 'beginning' ? ['--no-state with --start-at beginning: every restart reads the files again from the start and counts their lines again'] : [];
    return { startAt: startAt ?? 'end', warnings };
  }
  const stateFile = opts.stateFile ?? join(opts.dataDir ?? defaultDataDir(env, uid), 'state.json');
  return { stateFile, startAt: startAt ?? 'beginning', warnings: [] };
}

/** Creates the state file's directory (mode 0700) if missing; the file itself is written 0600. */
export function prepareStateDir(stateFile: string): void {
  try {
    mkdirSync(dirname(stateFile), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new Error(
      `cannot create the state directory ${dirname(stateFile)} (${(e as Error).message}); ` +
        'choose one with --data-dir or --state-file, or run without durable state with --no-state',
    );
  }
}

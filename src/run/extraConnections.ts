// The connections a run works on besides its own session: taken from the pool for the run's duration and named
// 'conflag-run:<id>' like the run's session, so the runner's shutdown can cancel their statements too (and the
// keep-alive terminate them with a frozen run); like it, they check every 2 s that their runner is still connected.
// The pool is sized for them (src/service/startService.ts); when it is busy anyway the run goes on with the connections
// it got within a second, rather than wait for other runs, and says so in the service log.
import type pg from 'pg';

const WAIT_MS = 1_000;

export async function extraConnections(pool: pg.Pool, count: number, runId: string): Promise<{ clients: pg.PoolClient[]; release(): void }> {
  const clients: pg.PoolClient[] = [];
  // A connection the server ends while it is checked out (the keep-alive terminating a frozen run's sessions, a
  // database restart) reports it as an 'error' event too: noted, so it is discarded, not returned to the pool.
  const broken = new Map<pg.PoolClient, Error>();
  const onError = new Map<pg.PoolClient, (error: Error) => void>();
  for (let i = 0; i < count; i++) {
    const client = await connectWithin(pool, WAIT_MS);
    if (!client) break;
    const listener = (error: Error) => void broken.set(client, error);
    client.on('error', listener);
    onError.set(client, listener);
    try {
      await client.query(`SELECT set_config('application_name', 'conflag-run:' || $1, false), set_config('client_connection_check_interval', '2s', false)`, [runId]);
    } catch (error) {
      client.off('error', listener);
      client.release(error as Error);
      break;
    }
    clients.push(client);
  }
  return {
    clients,
    release() {
      for (const client of clients.splice(0)) {
        const done = (error?: Error) => {
          client.off('error', onError.get(client)!);
          client.release(error ?? broken.get(client));
        };
        if (broken.has(client)) done();
        else client.query('RESET application_name; RESET client_connection_check_interval').then(() => done(), (error: Error) => done(error));
      }
    },
  };
}

/** A pooled connection, or undefined when none came within `ms` (one that comes later goes straight back). */
async function connectWithin(pool: pg.Pool, ms: number): Promise<pg.PoolClient | undefined> {
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const connecting = pool.connect().then(
    (client) => {
      if (!late) return client;
      client.release();
      return undefined;
    },
    (error: unknown) => {
      if (late) return undefined;
      throw error;
    },
  );
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    const result = await Promise.race([connecting, timeout]);
    if (!result) late = true;
    return result;
  } finally {
    clearTimeout(timer);
  }
}

// The embedded PostgreSQL explains what went wrong instead of rejecting with `undefined`.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import * as assert from 'uvu/assert';
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embeddedPostgres.ts';
import { suite } from '../lib/suite.ts';

const test = suite('embedded postgres');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conflag-embedded-'));
fs.chmodSync(dir, 0o755);
let server: EmbeddedServer | undefined;
let blocker: net.Server | undefined;

test.after(async () => {
  await server?.stop();
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('starts a current PostgreSQL and reuses its data on the next start', async () => {
  const port = await freePort();
  server = await startEmbeddedPostgres({ dataDir: dir, port });
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  const { rows } = await client.query(`SELECT current_setting('server_version_num')::int AS v, current_setting('server_encoding') AS enc`);
  await client.query('CREATE TABLE kept (x int)');
  await client.end();
  assert.ok(rows[0].v >= 170000, `version ${rows[0].v}`);
  assert.is(rows[0].enc, 'UTF8');
  await server.stop();
  server = await startEmbeddedPostgres({ dataDir: dir, port });
  const again = new pg.Client({ connectionString: server.url });
  await again.connect();
  const kept = await again.query(`SELECT to_regclass('public.kept') IS NOT NULL AS kept`);
  await again.end();
  assert.is(kept.rows[0].kept, true);
});

test('a second start on the same data says it is already running, with the PID', async () => {
  assert.ok(server, 'first server is running');
  const error = await startEmbeddedPostgres({ dataDir: dir, port: await freePort() }).then(() => undefined, (e: Error) => e);
  assert.ok(error instanceof Error, 'second start must fail');
  assert.match(error.message, /already running \(PID \d+\)/);
  assert.match(error.message, /DATABASE_URL/);
});

test('a busy port is named, with what to do', async () => {
  await server?.stop();
  server = undefined;
  const port = await freePort();
  blocker = net.createServer();
  await new Promise<void>((resolve) => blocker!.listen(port, '127.0.0.1', () => resolve()));
  const error = await startEmbeddedPostgres({ dataDir: dir, port }).then(() => undefined, (e: Error) => e);
  assert.ok(error instanceof Error, 'start on a busy port must fail');
  assert.match(error.message, `Port ${port} is already in use`);
  assert.match(error.message, /CONFLAG_PG_PORT/);
});

test('a leftover lock file from a dead server does not block the start', async () => {
  const port = await freePort();
  const lock = path.join(dir, 'pgdata', 'postmaster.pid');
  // A PID that cannot be alive: beyond the kernel's pid_max.
  fs.writeFileSync(lock, `99999999\n${path.join(dir, 'pgdata')}\n0\n${port}\n\n\n\n\n`);
  server = await startEmbeddedPostgres({ dataDir: dir, port });
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  const { rows } = await client.query('SELECT 1 AS one');
  await client.end();
  assert.is(rows[0].one, 1);
});

test.run();

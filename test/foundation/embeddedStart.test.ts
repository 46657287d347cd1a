// `conflag start` on the embedded PostgreSQL (no DATABASE_URL), as a person runs it in a terminal: Ctrl-C
// reaches the whole process group, yet the service stops cleanly before its database; a second start reuses
// the data; one-off commands share the running server instead of failing on its lock.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { parseStartBanner } from '../../src/cli/startBanner.ts';
import { freePort } from '../../src/db/embeddedPostgres.ts';
import { suite } from '../lib/suite.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'conflag.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'conflag-start-'));
fs.chmodSync(dataDir, 0o755);
const test = suite('embedded start');
const children: ChildProcess[] = [];
let pgPort = 0;

test.before(async () => {
  pgPort = await freePort();
});

test.after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  const lock = path.join(dataDir, 'pgdata', 'postmaster.pid');
  if (fs.existsSync(lock)) process.kill(Number(fs.readFileSync(lock, 'utf8').split('\n')[0]), 'SIGINT');
  await new Promise((r) => setTimeout(r, 500));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function conflag(args: string[], options: { detached?: boolean } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, CONFLAG_DATA_DIR: dataDir, CONFLAG_PG_PORT: String(pgPort), PORT: '0', LOG_FORMAT: 'json' };
  delete env.DATABASE_URL;
  // detached: its own process group, like a shell job, so the test can signal the group as a terminal does.
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function started(run: ReturnType<typeof conflag>): Promise<{ databaseUrl: string; data: string }> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const banner = parseStartBanner(run.output());
    if (banner) return banner;
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`start did not report running:\n${run.output()}`);
}

function postmasterRunning(): boolean {
  const lock = path.join(dataDir, 'pgdata', 'postmaster.pid');
  if (!fs.existsSync(lock)) return false;
  try {
    process.kill(Number(fs.readFileSync(lock, 'utf8').split('\n')[0]), 0);
    return true;
  } catch {
    return false;
  }
}

test('start creates the cluster, says where it is, and Ctrl-C to the process group stops it cleanly', async () => {
  const run = conflag(['start'], { detached: true });
  const banner = await started(run);
  assert.is(banner.databaseUrl, `postgres://postgres:conflag@localhost:${pgPort}/postgres`);
  assert.is(banner.data, `${path.join(dataDir, 'pgdata')} (embedded PostgreSQL)`);
  process.kill(-run.child.pid!, 'SIGINT');
  assert.is(await run.exited, 0, run.output());
  assert.match(run.output(), 'conflag stopped');
  assert.not.match(run.output(), /"level":50/, 'no errors while stopping (the database must outlive the service)');
  assert.is(postmasterRunning(), false, 'the embedded server is stopped');
});

test('a second start reuses the data; demo and a second start meanwhile behave', async () => {
  const run = conflag(['start'], { detached: true });
  await started(run);
  assert.not.match(run.output(), '"migrations applied"', 'nothing left to migrate: the data was kept');
  const demo = conflag(['demo', '--count', '500']);
  assert.is(await demo.exited, 0, demo.output());
  assert.match(demo.output(), 'added 500 demo recordings');
  const second = conflag(['start']);
  assert.is(await second.exited, 1);
  assert.match(second.output(), /already running \(PID \d+\)/);
  process.kill(-run.child.pid!, 'SIGINT');
  assert.is(await run.exited, 0, run.output());
  assert.is(postmasterRunning(), false);
});

test.run();

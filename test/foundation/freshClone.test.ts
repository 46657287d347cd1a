// The README's first steps as a newcomer takes them, as root, in a private folder, with no variable set: a
// `git clone` of this repository into a `mktemp -d` folder (mode 700), `npm install`, `npm start`, and from a
// second process in the same folder `npx conflag demo`, `preview 1` and `request 1 --wait` — then Ctrl-C to the
// process group, as a terminal sends it. The clone gets this working tree's uncommitted changes too (copied over
// the checkout), so the test checks what would be committed. `npm install --prefer-offline` is the README's
// `npm install` told to use the local npm cache when it can: the same install path, without waiting for the
// registry for packages the cache already holds.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as assert from 'uvu/assert';
import { parseStartBanner } from '../../src/cli/startBanner.ts';
import { sharedDataFolder } from '../../src/db/dataFolder.ts';
import { suite } from '../lib/suite.ts';
import { waitFor } from '../lib/waitFor.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'conflag-clone-'));
const root = process.getuid?.() === 0;
const dataFolder = root ? sharedDataFolder(path.join(clone, '.conflag')) : path.join(clone, '.conflag');
const test = suite('fresh clone: the README\'s commands as root in a private folder');
let start: ReturnType<typeof spawn> | undefined;

test.after(async () => {
  if (start && start.exitCode === null && start.signalCode === null) process.kill(-start.pid!, 'SIGKILL');
  const lock = path.join(dataFolder, 'pgdata', 'postmaster.pid');
  if (fs.existsSync(lock)) {
    try {
      process.kill(Number(fs.readFileSync(lock, 'utf8').split('\n')[0]), 'SIGINT');
      await new Promise((r) => setTimeout(r, 1000));
    } catch {
      // already gone
    }
  }
  fs.rmSync(clone, { recursive: true, force: true });
  if (root) fs.rmSync(dataFolder, { recursive: true, force: true });
});

/** The environment of a newcomer's shell: no conflag variable, no DATABASE_URL, no PORT, no LOG_*. */
function newcomerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(CONFLAG_|DATABASE_URL$|PORT$|LOG_LEVEL$|LOG_FORMAT$|PG)/.test(key)) env[key] = value;
  }
  return env;
}

/** This working tree's changes not yet committed, laid over the clone's checkout. */
function copyWorkingTreeChanges(): number {
  const list = (...args: string[]) => execFileSync('git', ['-C', repo, 'ls-files', '-z', ...args], { encoding: 'utf8' }).split('\0').filter(Boolean);
  const deleted = new Set(list('--deleted'));
  const changed = [...list('--modified'), ...list('--others', '--exclude-standard')].filter((f) => !deleted.has(f));
  for (const file of changed) {
    fs.mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
    fs.copyFileSync(path.join(repo, file), path.join(clone, file));
  }
  for (const file of deleted) fs.rmSync(path.join(clone, file), { force: true });
  return changed.length + deleted.size;
}

function npx(args: string[]) {
  const started = Date.now();
  const result = spawnSync('npx', ['conflag', ...args], { cwd: clone, env: newcomerEnv(), encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, seconds: (Date.now() - started) / 1000 };
}

test('clone, npm install, npm start, and the demo commands from a second process', async () => {
  assert.is(fs.statSync(clone).mode & 0o777, 0o700, 'mktemp -d makes a private folder');
  let t = Date.now();
  execFileSync('git', ['clone', '--quiet', repo, clone]);
  const copied = copyWorkingTreeChanges();
  const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, env: newcomerEnv(), encoding: 'utf8', timeout: 300_000 });
  assert.is(install.status, 0, install.stdout + install.stderr);
  console.log(`clone + ${copied} uncommitted files + npm install: ${((Date.now() - t) / 1000).toFixed(1)} s`);

  t = Date.now();
  start = spawn('npm', ['start'], { cwd: clone, env: newcomerEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  start.stdout!.on('data', (c) => (output += c));
  start.stderr!.on('data', (c) => (output += c));
  const exited = new Promise<string>((resolve) => start!.on('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
  const banner = await waitFor(() => parseStartBanner(output) ?? (start!.exitCode !== null ? { failed: true } : undefined), {
    timeoutMs: 90_000, what: () => `the start banner:\n${output}`,
  });
  assert.ok(!('failed' in banner), `npm start ended:\n${output}`);
  const started = banner as Exclude<typeof banner, { failed: true }>;
  console.log(`npm start to its banner: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  assert.match(started.databaseUrl, /^postgres:\/\/postgres:conflag@localhost:\d+\/postgres$/);
  assert.is(started.data, `${path.join(dataFolder, 'pgdata')} (embedded PostgreSQL)`);
  if (root) {
    assert.match(output, `the data is in ${dataFolder} instead of .conflag/`);
    assert.is(fs.statSync(dataFolder).uid, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), 'the data folder belongs to user postgres');
  }
  // The printed URL is the one psql takes.
  const client = new pg.Client({ connectionString: started.databaseUrl });
  await client.connect();
  await client.end();
  assert.is((await fetch(`${started.serviceUrl}/health`)).status, 200);

  const demo = npx(['demo', '--count', '2000']);
  assert.is(demo.code, 0, demo.stdout + demo.stderr);
  assert.match(demo.stdout, 'added 2000 demo recordings');
  assert.match(demo.stdout, /added the example job 1 /);
  const preview = npx(['preview', '1']);
  assert.is(preview.code, 0, preview.stderr);
  assert.match(preview.stdout, /matching recordings: \d+/);
  const request = npx(['request', '1', '--wait']);
  assert.is(request.code, 0, request.stdout + request.stderr);
  assert.match(request.stdout, /run \d+ \(attempt 1\) succeeded: \d+ matched, \d+ changed/);
  console.log(`npx demo / preview / request --wait: ${demo.seconds.toFixed(1)} / ${preview.seconds.toFixed(1)} / ${request.seconds.toFixed(1)} s`);

  process.kill(-start.pid!, 'SIGINT');
  // npm ends itself with the signal its script got, once the script has exited; conflag's own exit code is
  // checked in test/foundation/embeddedStart.test.ts.
  assert.ok(['exit 0', 'SIGINT'].includes(await exited), output);
  assert.match(output, 'conflag stopped');
  assert.not.match(output, /"level":50/, 'no errors while stopping');
  assert.not.ok(fs.existsSync(path.join(dataFolder, 'pgdata', 'postmaster.pid')), 'the embedded PostgreSQL stopped with it');
});

test.run();

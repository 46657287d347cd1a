// The CLI as a user meets it: usage on --help, clear refusal of unknown commands and flags, and `start`
// printing where it runs and stopping cleanly on SIGINT.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { main } from '../../src/cli/main.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'conflag.js');
const test = suite('cli');
test.after(closePools);

function capture() {
  let text = '';
  const stream = { write: (chunk: string) => ((text += chunk), true), isTTY: false } as unknown as NodeJS.WritableStream;
  return { stream, text: () => text };
}

async function cli(args: string[]) {
  const out = capture();
  const err = capture();
  const code = await main(args, { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

test('--help lists the commands and exits 0', async () => {
  const result = await cli(['--help']);
  assert.is(result.code, 0);
  for (const name of ['migrate', 'start', 'demo']) assert.match(result.stdout, new RegExp(`\\b${name}\\b`));
});

test('every command answers --help with its usage', async () => {
  for (const name of ['migrate', 'start', 'demo']) {
    const result = await cli([name, '--help']);
    assert.is(result.code, 0, name);
    assert.match(result.stdout, `Usage: conflag ${name}`);
  }
});

test('an unknown command prints usage and exits 2', async () => {
  const result = await cli(['frobnicate']);
  assert.is(result.code, 2);
  assert.match(result.stderr, 'unknown command "frobnicate"');
  assert.match(result.stderr, 'Usage: conflag <command>');
});

test('a bad flag prints the command usage and exits 2', async () => {
  const result = await cli(['demo', '--bogus']);
  assert.is(result.code, 2);
  assert.match(result.stderr, "Unknown option '--bogus'");
  assert.match(result.stderr, 'Usage: conflag demo');
});

test('a bad flag value is refused with the allowed range', async () => {
  const result = await cli(['demo', '--count', 'many']);
  assert.is(result.code, 2);
  assert.match(result.stderr, '--count must be a whole number');
});

test('demo loads generated recordings with several tenants and non-ASCII names', async () => {
  const result = await cli(['demo', '--count', '2000']);
  assert.is(result.code, 0, result.stderr);
  const { rows } = await openPool().query(
    `SELECT count(*)::int AS n, count(DISTINCT tenant_id)::int AS tenants,
            count(*) FILTER (WHERE duration > 7200)::int AS long_calls,
            count(*) FILTER (WHERE caller_name ~ '[^\\x01-\\x7f]')::int AS non_ascii,
            count(DISTINCT direction)::int AS directions
       FROM conflag.recordings`,
  );
  assert.is(rows[0].n, 2000);
  assert.ok(rows[0].tenants >= 3, `tenants: ${rows[0].tenants}`);
  assert.ok(rows[0].long_calls > 0 && rows[0].long_calls < 200, `long calls: ${rows[0].long_calls}`);
  assert.ok(rows[0].non_ascii > 100, `non-ASCII names: ${rows[0].non_ascii}`);
  assert.is(rows[0].directions, 3);
});

test('start prints where it runs, serves /health, and stops cleanly on SIGINT', async () => {
  const child = spawn(process.execPath, [bin, 'start'], {
    env: { ...process.env, DATABASE_URL: databaseUrl(), PORT: '0', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 60_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(url, `start printed its URL: ${output}`);
    assert.match(output, /database/i);
    const health = await fetch(`${url}/health`);
    assert.is(health.status, 200);
    child.kill('SIGINT');
    assert.is(await exited, 0, output);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test.run();

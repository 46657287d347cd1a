// The CLI as a user meets it: usage on --help, the version, clear refusal of unknown commands, flags, extra
// arguments and a bad LOG_LEVEL, `start` printing where it runs (service URL, psql-ready database URL) and
// stopping cleanly on SIGINT, and output to a closed pipe ending quietly.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as assert from 'uvu/assert';
import { COMMANDS as LOADERS, main, version } from '../../src/cli/main.ts';
import { parseStartBanner } from '../../src/cli/startBanner.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { markdownBlocks } from '../lib/markdownBlocks.ts';
import { suite } from '../lib/suite.ts';
import { waitFor } from '../lib/waitFor.ts';

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

const COMMANDS = ['migrate', 'start', 'demo', 'jobs', 'request', 'run', 'explain', 'preview', 'log'];
const README = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');

test('the README\'s command table lists every command and every flag', async () => {
  assert.equal(Object.keys(LOADERS).sort(), [...COMMANDS].sort(), 'the list above is the CLI\'s');
  const readme = fs.readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf('## Command line'), readme.indexOf('## Configuration'));
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  assert.ok(rows.some((r) => r.startsWith('| `--version`, `-V`')), 'the version flag');
  for (const name of COMMANDS) {
    const row = rows.find((r) => r.startsWith(`| \`${name}`));
    assert.ok(row, `README has a row for ${name}`);
    const { command } = await LOADERS[name]();
    for (const flag of Object.keys(command.options)) assert.match(row!, `--${flag}`, `README's ${name} row names --${flag}`);
  }
});

test('the README\'s sample start banner is the shape start prints', () => {
  const sample = markdownBlocks(README).find((b) => b.lang === 'text' && b.body.includes('is running'));
  assert.ok(sample, 'README shows the banner');
  const banner = parseStartBanner(sample!.body);
  assert.ok(banner, sample!.body);
  assert.is(banner!.databaseUrl, 'postgres://postgres:conflag@localhost:54329/postgres');
});

test('--version and -V print the package version', async () => {
  for (const flag of ['--version', '-V']) {
    const result = await cli([flag]);
    assert.is(result.code, 0);
    assert.is(result.stdout, `conflag ${version()}\n`);
  }
  assert.match(version(), /^\d+\.\d+\.\d+/);
});

test('every command answers --help with its usage', async () => {
  for (const name of COMMANDS) {
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

test('every command refuses arguments it does not take, before touching the database', async () => {
  const takes: Record<string, string[]> = { migrate: [], start: [], demo: [], jobs: [], request: ['job'], run: ['job'], explain: ['job'], preview: ['job'], log: ['7'] };
  for (const name of COMMANDS) {
    const result = await cli([name, ...takes[name], 'extra']);
    assert.is(result.code, 2, `${name}: ${result.stderr}`);
    assert.match(result.stderr, takes[name].length ? 'takes one argument, but was given 2; remove "extra"' : 'takes no arguments, but was given 1; remove "extra"');
    assert.match(result.stderr, `Usage: conflag ${name}`);
  }
});

test('a bad LOG_LEVEL names the variable and the levels', async () => {
  const saved = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'verbose';
  try {
    const result = await cli(['jobs']);
    assert.is(result.code, 1);
    assert.is(result.stderr, 'conflag jobs: LOG_LEVEL="verbose" is not valid; use one of fatal, error, warn, info, debug, trace, silent (default info).\n');
  } finally {
    if (saved === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = saved;
  }
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

test('start prints the service URL and a psql-ready database URL, serves /health, and stops cleanly on SIGINT', async () => {
  const child = spawn(process.execPath, [bin, 'start'], {
    env: { ...process.env, DATABASE_URL: databaseUrl(), PORT: '0', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const banner = await waitFor(() => parseStartBanner(output), { timeoutMs: 60_000, what: () => `the start banner:\n${output}` });
    assert.match(banner.serviceUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const expected = new URL(databaseUrl());
    expected.password = '';
    assert.is(banner.databaseUrl, expected.toString(), 'DATABASE_URL as psql takes it, without its password');
    assert.match(output, `  psql:      psql "${expected}"`);
    // The URL works as printed, given the password as psql would ask for it.
    const withPassword = new URL(banner.databaseUrl);
    withPassword.password = new URL(databaseUrl()).password;
    const client = new pg.Client({ connectionString: withPassword.toString() });
    await client.connect();
    await client.end();
    const health = await fetch(`${banner.serviceUrl}/health`);
    assert.is(health.status, 200);
    child.kill('SIGINT');
    assert.is(await exited, 0, output);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test.run();

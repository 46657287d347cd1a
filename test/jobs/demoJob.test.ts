// `conflag demo` adds the example job "flag calls longer than 2 hours" once, however often it runs.
import * as assert from 'uvu/assert';
import { main } from '../../src/cli/main.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';

const test = suite('jobs: demo job');
test.after(closePools);

async function demo(): Promise<string> {
  let out = '';
  let err = '';
  const stream = (append: (s: string) => void) => ({ write: (c: string) => (append(c), true), isTTY: false }) as unknown as NodeJS.WritableStream;
  const code = await main(['demo', '--count', '20'], { stdout: stream((s) => (out += s)), stderr: stream((s) => (err += s)) });
  assert.is(code, 0, err);
  return out;
}

test('the first demo adds the example job, the second keeps it', async () => {
  const first = await demo();
  assert.match(first, /added the example job \d+ "flag calls longer than 2 hours"/);
  const second = await demo();
  assert.match(second, /the example job \d+ "flag calls longer than 2 hours" is already there/);
  const { rows } = await openPool().query(
    `SELECT name, condition, action, schedule, mode, enabled, access_scope FROM conflag.jobs`,
  );
  assert.equal(rows, [
    {
      name: 'flag calls longer than 2 hours',
      condition: { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] },
      action: 'set',
      schedule: '*/5 * * * *',
      mode: 'full',
      enabled: true,
      access_scope: null,
    },
  ]);
  const recordings = await openPool().query('SELECT count(*)::int AS n FROM conflag.recordings');
  assert.is(recordings.rows[0].n, 40);
});

test.run();

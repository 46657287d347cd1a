// conflag.settings: exactly one row (no second insert, no delete or truncate), validated columns, updated_at.
import * as assert from 'uvu/assert';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError } from './expectDatabaseError.ts';

const test = suite('jobs: settings');
test.after(closePools);

test('a second row, a delete or a truncate is refused with CF021', async () => {
  const pool = openPool();
  await expectDatabaseError(() => pool.query('INSERT INTO conflag.settings DEFAULT VALUES'), { code: 'CF021', includes: ['settings', 'exactly one row', 'UPDATE'] });
  await expectDatabaseError(() => pool.query(`INSERT INTO conflag.settings (portal_url) VALUES ('https://x.example')`), { code: 'CF021', includes: ['settings'] });
  await expectDatabaseError(() => pool.query('DELETE FROM conflag.settings'), { code: 'CF021', includes: ['settings', 'cannot be removed'] });
  await expectDatabaseError(() => pool.query('TRUNCATE conflag.settings'), { code: 'CF021', includes: ['settings', 'cannot be removed'] });
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM conflag.settings');
  assert.is(rows[0].n, 1);
});

test('the unique index keeps one row even when the triggers are bypassed', async () => {
  const client = await openPool().connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await expectDatabaseError(() => client.query('INSERT INTO conflag.settings DEFAULT VALUES'), { code: '23505', includes: ['settings_one_row'] });
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

test('valid settings are stored and updated_at moves', async () => {
  const pool = openPool();
  const before = (await pool.query('SELECT updated_at FROM conflag.settings')).rows[0].updated_at;
  await new Promise((r) => setTimeout(r, 20));
  const { rows } = await pool.query(
    `UPDATE conflag.settings SET portal_url = 'https://recordings.example.com:8443/portal', email_enabled = true,
            email_from = 'Conflag <conflag@example.com>', default_timezone = 'Europe/Berlin' RETURNING *`,
  );
  assert.equal({ ...rows[0], updated_at: undefined }, {
    portal_url: 'https://recordings.example.com:8443/portal',
    email_enabled: true,
    email_from: 'Conflag <conflag@example.com>',
    default_timezone: 'Europe/Berlin',
    keep_failed_runs_days: 180,
    keep_flag_history_days: 365,
    updated_at: undefined,
  });
  assert.ok(rows[0].updated_at.getTime() > before.getTime());
  await pool.query(`UPDATE conflag.settings SET email_from = 'conflag@example.com', portal_url = 'http://localhost:3000'`);
  await pool.query(`UPDATE conflag.settings SET email_enabled = false, email_from = NULL, portal_url = NULL, default_timezone = NULL`);
});

test('invalid settings are refused with CF022 naming the column and the value', async () => {
  const pool = openPool();
  const cases: [string, unknown, string[]][] = [
    ['portal_url', 'recordings.example.com', ['settings.portal_url', '"recordings.example.com"', 'https://']],
    ['portal_url', 'ftp://files.example.com', ['settings.portal_url', '"ftp://files.example.com"']],
    ['portal_url', 'https://exa mple.com', ['settings.portal_url', '"https://exa mple.com"']],
    ['portal_url', '', ['settings.portal_url', '""']],
    ['email_from', 'conflag', ['settings.email_from', '"conflag"', 'conflag@example.com']],
    ['email_from', 'Conflag <conflag>', ['settings.email_from', '"Conflag <conflag>"']],
    ['email_from', 'a@b.com, c@d.com', ['settings.email_from', '"a@b.com, c@d.com"']],
    ['default_timezone', 'CEST', ['settings.default_timezone', '"CEST"', 'pg_timezone_names']],
    ['default_timezone', 'utc', ['settings.default_timezone', '"utc"', 'did you mean "UTC"']],
    ['email_enabled', null, ['settings.email_enabled', 'NULL']],
    ['keep_failed_runs_days', 0, ['settings.keep_failed_runs_days: 0 is not valid', 'from 1 to 36500 (default 180)']],
    ['keep_failed_runs_days', null, ['settings.keep_failed_runs_days: NULL is not valid']],
    ['keep_flag_history_days', 36501, ['settings.keep_flag_history_days: 36501 is not valid', 'from 1 to 36500 (default 365)']],
  ];
  for (const [column, value, includes] of cases) {
    await expectDatabaseError(() => pool.query(`UPDATE conflag.settings SET ${column} = $1`, [value]), { code: 'CF022', includes }, `${column} = ${value}`);
  }
  await expectDatabaseError(() => pool.query(`UPDATE conflag.settings SET email_enabled = true`), {
    code: 'CF022',
    includes: ['settings.email_from', 'NULL', 'email_enabled is true'],
  });
});

test.run();

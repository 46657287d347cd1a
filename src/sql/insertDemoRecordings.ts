// Generates demo recordings inside PostgreSQL (one INSERT ... SELECT over generate_series), so loading 100k or
// 10M rows never moves rows through Node. setseed() makes a given seed reproduce the same set. The demo fills
// conflag.recordings; when a DBA mapped another table, demo rows there would flag nothing and are refused (CF412).
import type pg from 'pg';
import { ConflagError, SQLSTATE } from '../errors.ts';

export const DEMO_TENANTS = [
  ['default', 'Default tenant'],
  ['acme', 'Acme Fernsprech GmbH'],
  ['globex', 'Globex Société Anonyme'],
] as const;

const FIRST = ['Zoë', 'José', 'Åsa', 'Søren', 'Łukasz', 'Chloé', 'Renée', 'Björn', 'Anaïs', 'Jürgen', 'Ángel', 'Mia', 'Noah', 'Оксана', '美咲', 'Ömer'];
const LAST = ['Müller', 'García', 'Nordström', 'Dvořák', 'Łęcka', 'O\u2019Brien', 'Smith', 'Nguyễn', 'Schäfer', 'Kowalski', 'Иванова', '山田', 'Yılmaz', 'Brontë'];
const GROUPS = ['Sales', 'Support', 'Executive', 'Legal', 'Recouvrement', 'Größkunden'];
const TAGS = ['vip', 'escalation', 'complaint', 'legal-hold', 'training', 'hr', 'board', 'réclamation'];

export async function insertDemoRecordings(client: pg.ClientBase, count: number, seed = 0.42): Promise<number> {
  const mapped = await client.query<{ table: string }>(
    `SELECT format('%I.%I', table_schema, table_name) AS table FROM conflag.recording_source WHERE (table_schema, table_name) <> ('conflag', 'recordings')`,
  );
  if (mapped.rows[0]) {
    throw new ConflagError(SQLSTATE.sourceNotMapped,
      `the demo fills conflag.recordings, but conflag works on ${mapped.rows[0].table} (conflag.recording_source); demo recordings would never be flagged. ` +
        'Use a database of its own for the demo, or map conflag.recordings again (docs/own-table.md)');
  }
  await client.query(
    `INSERT INTO conflag.tenants (id, name) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (id) DO NOTHING`,
    [DEMO_TENANTS.map((t) => t[0]), DEMO_TENANTS.map((t) => t[1])],
  );
  await client.query('SELECT setseed($1)', [seed]);
  const result = await client.query(
    `INSERT INTO conflag.recordings
       (tenant_id, call_id, started_at, ended_at, duration, direction, caller_number, caller_name,
        callee_number, callee_name, user_name, group_name, tags, notes, custom)
     SELECT g.tenant, 'call-' || g.i, g.started_at, g.started_at + make_interval(secs => g.duration), g.duration,
            g.direction, '+49' || (1500000000 + (random() * 99999999)::int), g.caller, '+33' || (600000000 + (random() * 9999999)::int),
            g.callee, lower(replace(g.caller, ' ', '.')), g.grp, g.tags,
            CASE WHEN random() < 0.1 THEN 'Rückruf vereinbart — follow-up' END,
            jsonb_build_object('crm', jsonb_build_object('account', 'A-' || (random() * 5000)::int, 'priority', (random() * 5)::int),
                               'channel', (ARRAY['phone', 'teams', 'webrtc'])[1 + (random() * 2)::int])
       FROM (SELECT i,
                    (CASE WHEN random() < 0.6 THEN 'default' WHEN random() < 0.5 THEN 'acme' ELSE 'globex' END) AS tenant,
                    now() - make_interval(secs => random() * 90 * 86400) AS started_at,
                    -- mostly short calls, a long tail past two hours
                    (CASE WHEN random() < 0.03 THEN 7200 + random() * 10800 ELSE random() * random() * 3600 END)::int AS duration,
                    (ARRAY['inbound', 'outbound', 'internal'])[1 + floor(random() * 3)::int] AS direction,
                    ($2::text[])[1 + floor(random() * cardinality($2))::int] || ' ' || ($3::text[])[1 + floor(random() * cardinality($3))::int] AS caller,
                    ($2::text[])[1 + floor(random() * cardinality($2))::int] || ' ' || ($3::text[])[1 + floor(random() * cardinality($3))::int] AS callee,
                    ($4::text[])[1 + floor(random() * cardinality($4))::int] AS grp,
                    CASE WHEN random() < 0.3 THEN ARRAY[($5::text[])[1 + floor(random() * cardinality($5))::int]]
                         WHEN random() < 0.1 THEN ARRAY[]::text[] END AS tags
               FROM generate_series(1, $1::int) AS i) AS g`,
    [count, FIRST, LAST, GROUPS, TAGS],
  );
  return result.rowCount ?? 0;
}

// A recordings table shaped like a call-recording platform's own, for the tests of issue 13: a uuid key, the tenant
// as a bigint customer id, other column names, a flag called is_confidential with audit columns of its own, and
// facts defined for it in conflag.attributes (plain columns and DBA expressions). Plain, or month-partitioned by
// began_at (then the key is (call_uuid, began_at)). Not a test file itself.
import type pg from 'pg';

export const CUSTOMERS = ['101', '202', '303'];

export interface PlatformTable {
  /** Schema-qualified: platform.calls. */
  name: string;
  partitioned: boolean;
  keyColumns: string[];
}

const COLUMNS = `
  call_uuid           uuid NOT NULL DEFAULT gen_random_uuid(),
  customer_id         bigint NOT NULL,
  began_at            timestamptz NOT NULL,
  length_seconds      integer,
  queue               text,
  agent_id            text,
  mentions_card       boolean NOT NULL DEFAULT false,
  is_confidential     boolean NOT NULL DEFAULT false,
  confidential_since  timestamptz,
  confidential_by_run bigint`;

const MONTHS = ['2025-01', '2025-02', '2025-03', '2025-04'];

/** The facts of the platform table: plain columns under conflag's names, and expressions a DBA would write. */
export const PLATFORM_FACTS: Array<[name: string, type: string, expression: string, description: string]> = [
  ['duration', 'number', 'r.length_seconds', 'Length of the call in seconds.'],
  ['started_at', 'timestamp', 'r.began_at', 'When the call started.'],
  ['start_date', 'date', '(r.began_at AT TIME ZONE {tz})::date', 'Calendar date the call started, in the job\'s timezone.'],
  ['queue', 'text', "lower(btrim(r.queue))", 'Queue the call came in through, lower case.'],
  ['agent', 'text', 'r.agent_id', 'Agent who took the call.'],
  ['card_mentioned', 'number', 'r.mentions_card::int', '1 when the transcript mentions a card number, else 0.'],
  ['age_days', 'number', 'floor(extract(epoch FROM ({as_of} - r.began_at)) / 86400)', 'Whole days from the call\'s start to the run\'s start.'],
];

/** Creates platform.<table> (and its month partitions), the runner's grants, the customers as tenants, and its facts. */
export async function createPlatformTable(db: pg.Pool | pg.ClientBase, options: { table?: string; partitioned?: boolean } = {}): Promise<PlatformTable> {
  const table = `platform.${options.table ?? 'calls'}`;
  const partitioned = options.partitioned ?? false;
  const keyColumns = partitioned ? ['call_uuid', 'began_at'] : ['call_uuid'];
  await db.query(`CREATE SCHEMA IF NOT EXISTS platform`);
  await db.query(`CREATE TABLE ${table} (${COLUMNS}, PRIMARY KEY (${keyColumns.join(', ')}))
                  ${partitioned ? 'PARTITION BY RANGE (began_at)' : 'WITH (fillfactor = 90)'}`);
  const relations = [table];
  if (partitioned) for (const month of MONTHS) relations.push(await addMonth(db, table, month));
  await db.query(`GRANT USAGE ON SCHEMA platform TO conflag_runner`);
  await db.query(`GRANT SELECT, UPDATE (is_confidential, confidential_since, confidential_by_run) ON ${relations.join(', ')} TO conflag_runner`);
  await db.query(`INSERT INTO conflag.tenants (id, name) SELECT c, 'Customer ' || c FROM unnest($1::text[]) c ON CONFLICT DO NOTHING`, [CUSTOMERS]);
  const [schema, name] = table.split('.');
  for (const [fact, type, expression, description] of PLATFORM_FACTS) {
    await db.query(
      `INSERT INTO conflag.attributes (table_schema, table_name, name, type, expression, description) VALUES ($1, $2, $3, $4, $5, $6)`,
      [schema, name, fact, type, expression, description],
    );
  }
  return { name: table, partitioned, keyColumns };
}

/** A month partition (e.g. '2025-05') of a partitioned platform table, granted to the runner; returns its name. */
export async function addMonth(db: pg.Pool | pg.ClientBase, table: string, month: string): Promise<string> {
  const partition = `${table}_${month.replace('-', '_')}`;
  const [year, number] = month.split('-').map(Number);
  const next = number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, '0')}`;
  await db.query(`CREATE TABLE ${partition} PARTITION OF ${table}
                    FOR VALUES FROM ('${month}-01 00:00+00') TO ('${next}-01 00:00+00') WITH (fillfactor = 90)`);
  await db.query(`GRANT SELECT, UPDATE (is_confidential, confidential_since, confidential_by_run) ON ${partition} TO conflag_runner`);
  return partition;
}

/** Points conflag at the platform table (the documented UPDATE). */
export async function mapPlatformTable(db: pg.Pool | pg.ClientBase, table: PlatformTable): Promise<void> {
  const [schema, name] = table.name.split('.');
  await db.query(
    `UPDATE conflag.recording_source
        SET table_schema = $1, table_name = $2, key_columns = $3::name[], tenant_column = 'customer_id', flag_column = 'is_confidential',
            changed_at_column = 'confidential_since', changed_by_run_column = 'confidential_by_run'`,
    [schema, name, table.keyColumns],
  );
}

/** Points conflag at conflag.recordings again. */
export async function mapConflagRecordings(db: pg.Pool | pg.ClientBase): Promise<void> {
  await db.query(
    `UPDATE conflag.recording_source
        SET table_schema = 'conflag', table_name = 'recordings', key_columns = '{id}', tenant_column = 'tenant_id', flag_column = 'confidential',
            changed_at_column = 'confidential_changed_at', changed_by_run_column = 'confidential_changed_by_run'`,
  );
}

export interface NewCall {
  customer?: string;
  began_at?: string;
  length_seconds?: number | null;
  queue?: string | null;
  agent_id?: string | null;
  mentions_card?: boolean;
  is_confidential?: boolean;
}

/** Inserts calls (customer 101, began 2025-03-01 08:00 UTC plus i minutes, unless given); returns their uuids in order. */
export async function insertCalls(db: pg.Pool | pg.ClientBase, table: PlatformTable, calls: NewCall[]): Promise<string[]> {
  const { rows } = await db.query<{ call_uuid: string }>(
    `INSERT INTO ${table.name} (customer_id, began_at, length_seconds, queue, agent_id, mentions_card, is_confidential)
     SELECT x.customer::bigint, coalesce(x.began_at, timestamptz '2025-03-01 08:00+00' + make_interval(mins => x.i)), x.length_seconds,
            x.queue, x.agent_id, coalesce(x.mentions_card, false), coalesce(x.is_confidential, false)
       FROM jsonb_to_recordset($1::jsonb) AS x(i int, customer text, began_at timestamptz, length_seconds int, queue text,
            agent_id text, mentions_card boolean, is_confidential boolean)
      ORDER BY x.i
     RETURNING call_uuid::text`,
    [JSON.stringify(calls.map((c, i) => ({ i, customer: '101', ...c })))],
  );
  return rows.map((r) => r.call_uuid);
}

/** uuids of the confidential calls, sorted. */
export async function confidentialCalls(db: pg.Pool | pg.ClientBase, table: PlatformTable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`SELECT call_uuid::text AS id FROM ${table.name} WHERE is_confidential ORDER BY 1`);
  return rows.map((r) => r.id);
}

// One recording's flag as it is now, from the mapped recordings table (conflag.recording_source), found by its key
// through the table's key index: the key's columns are taken out of the JSON array the way a run's candidates are.
import { sql } from 'kysely';
import type pg from 'pg';
import { compileSql } from '../db/kysely.ts';
import type { RecordingSource } from '../source/recordingSource.ts';

export interface RecordingFlag {
  /** The key as JSON text, e.g. [42]. */
  key: string;
  tenant: string;
  confidential: boolean;
}

export async function readRecording(db: pg.ClientBase, source: RecordingSource, recordingKey: string): Promise<RecordingFlag | undefined> {
  const query = compileSql(sql`SELECT ${sql.raw(source.keySql)}::text AS key, ${sql.raw(`r.${source.tenantColumn}`)}::text AS tenant,
       ${sql.raw(`r.${source.flagColumn}`)} AS confidential
  FROM ${sql.raw(source.table)} r
 WHERE (${sql.raw(source.keyColumnsSql)}) IN (SELECT ${sql.raw(source.keyFromCandidateSql)} FROM (SELECT ${recordingKey}::jsonb AS recording_key) c)`);
  const { rows } = await db.query<RecordingFlag>(query.sql, query.parameters);
  return rows[0];
}

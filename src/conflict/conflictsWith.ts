// Which enabled jobs of the opposite action also select the recordings a subject (a saved job, or an unsaved
// condition in `conflag preview`) selects now, and how many: each such job compiled as its runs apply it (with the
// jobs it yields to, in its own time zone), counted in ONE scan over the subject's recordings
// (count(*) FILTER (WHERE <other job>) per job). A settled pair shows no common recordings: the loser's predicate
// leaves the winner's alone. The caller holds the READ ONLY transaction.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type pg from 'pg';
import { recordingsOfJob } from '../condition/recordingsOfJob.ts';
import type { Catalog } from '../condition/types.ts';
import { compileSql } from '../db/kysely.ts';
import type { RecordingSource } from '../source/recordingSource.ts';
import { loadJob } from '../sql/loadJob.ts';
import { resolveTimezone } from '../sql/resolveTimezone.ts';

export interface Conflict {
  jobId: string;
  name: string;
  action: 'set' | 'clear';
  /** Recordings the subject and this job both select now. */
  common: number;
}

export async function conflictsWith(
  db: pg.ClientBase,
  subject: { jobId?: string; action: 'set' | 'clear'; access_scope: string[] | null; predicate: RawBuilder<SqlBool> },
  context: { catalog: Catalog; source: RecordingSource; asOf: Date },
): Promise<Conflict[]> {
  const { rows: others } = await db.query<{ id: string }>(
    `SELECT j.id::text FROM conflag.jobs j
      WHERE j.enabled AND j.action <> $1 AND j.id IS DISTINCT FROM $2::bigint
        AND ($3::text[] IS NULL OR j.access_scope IS NULL OR j.access_scope && $3::text[])
      ORDER BY j.id`,
    [subject.action, subject.jobId ?? null, subject.access_scope],
  );
  if (others.length === 0) return [];
  const jobs = [];
  for (const { id } of others) {
    const job = await loadJob(db, id);
    if (!job) continue;
    const timezone = await resolveTimezone(db, job.timezone);
    jobs.push({ job, predicate: recordingsOfJob(job, context.catalog, { timezone, asOf: context.asOf }, context.source) });
  }
  const counts = sql.join(jobs.map((j, i) => sql`count(*) FILTER (WHERE ${j.predicate}) AS ${sql.raw(`c${i}`)}`), sql`, `);
  const statement = compileSql(sql`SELECT ${counts} FROM ${sql.raw(context.source.table)} r WHERE ${subject.predicate}`);
  const { rows } = await db.query<Record<string, string>>(statement.sql, statement.parameters);
  return jobs
    .map(({ job }, i) => ({ jobId: job.id, name: job.name, action: job.action, common: Number(rows[0][`c${i}`]) }))
    .filter((c) => c.common > 0);
}

// What `conflag preview` and the job page compute for a subject — a saved job or an unsaved condition — without
// writing anything: its predicate (scope and condition, in its time zone, as of a given instant, minus what the jobs
// it yields to select) over the mapped recordings table, counted and sampled by previewSelection with the facts the
// condition reads, and the jobs of the opposite action it would fight (conflictsWith). The caller holds the READ
// ONLY transaction.
import type pg from 'pg';
import { conflictsWith, type Conflict } from '../conflict/conflictsWith.ts';
import { conditionFacts } from '../run/conditionFacts.ts';
import type { JobRow } from '../run/types.ts';
import { loadRecordingSource } from '../source/recordingSource.ts';
import { resolveTimezone } from '../sql/resolveTimezone.ts';
import { loadCatalog } from './loadCatalog.ts';
import { previewSelection, type PreviewResult } from './previewSelection.ts';
import { recordingsOfJob, type Winner } from './recordingsOfJob.ts';

export interface PreviewSubject {
  title: string;
  access_scope: string[] | null;
  condition: unknown;
  action: 'set' | 'clear';
  timezone: string;
  incrementalJobId?: string;
  /** A saved job: its id (it does not conflict with itself) and the jobs it yields to. */
  jobId?: string;
  yields_to?: Winner[];
}

export async function savedJobSubject(db: pg.ClientBase, job: JobRow): Promise<PreviewSubject> {
  return {
    title: `Job ${job.id} ${JSON.stringify(job.name)} (${job.mode} mode)`,
    access_scope: job.access_scope,
    condition: job.condition,
    action: job.action,
    timezone: await resolveTimezone(db, job.timezone),
    incrementalJobId: job.mode === 'incremental' ? job.id : undefined,
    jobId: job.id,
    yields_to: job.yields_to,
  };
}

/** The preview, the facts its examples show (at most 6, in the order the condition names them), and the enabled jobs
 * of the opposite action that select some of the same recordings now (conflicts). */
export async function previewSubject(
  db: pg.ClientBase,
  subject: PreviewSubject,
  options: { asOf: Date; examples: number },
): Promise<{ result: PreviewResult; facts: string[]; conflicts: Conflict[] }> {
  const [catalog, source] = [await loadCatalog(db), await loadRecordingSource(db)];
  const ctx = { timezone: subject.timezone, asOf: options.asOf };
  const predicate = recordingsOfJob(subject, catalog, ctx, source);
  const facts = [...conditionFacts(subject.condition)].slice(0, 6);
  const result = await previewSelection(db, predicate, {
    action: subject.action, examples: options.examples, incrementalJobId: subject.incrementalJobId, source, facts, catalog, ctx,
  });
  const conflicts = await conflictsWith(db, { ...subject, predicate }, { catalog, source, asOf: options.asOf });
  return { result, facts, conflicts };
}

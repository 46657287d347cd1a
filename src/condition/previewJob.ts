// What `conflag preview` and the job page compute for a subject — a saved job or an unsaved condition — without
// writing anything: its predicate (scope and condition, in its time zone, as of a given instant) over the mapped
// recordings table, counted and sampled by previewSelection with the facts the condition reads. The caller holds
// the READ ONLY transaction.
import type pg from 'pg';
import { conditionFacts } from '../run/conditionFacts.ts';
import type { JobRow } from '../run/types.ts';
import { loadRecordingSource } from '../source/recordingSource.ts';
import { resolveTimezone } from '../sql/resolveTimezone.ts';
import { loadCatalog } from './loadCatalog.ts';
import { previewSelection, type PreviewResult } from './previewSelection.ts';
import { recordingsOfJob } from './recordingsOfJob.ts';

export interface PreviewSubject {
  title: string;
  access_scope: string[] | null;
  condition: unknown;
  action: 'set' | 'clear';
  timezone: string;
  incrementalJobId?: string;
}

export async function savedJobSubject(db: pg.ClientBase, job: JobRow): Promise<PreviewSubject> {
  return {
    title: `Job ${job.id} ${JSON.stringify(job.name)} (${job.mode} mode)`,
    access_scope: job.access_scope,
    condition: job.condition,
    action: job.action,
    timezone: await resolveTimezone(db, job.timezone),
    incrementalJobId: job.mode === 'incremental' ? job.id : undefined,
  };
}

/** The preview, and the facts its examples show (at most 6, in the order the condition names them). */
export async function previewSubject(
  db: pg.ClientBase,
  subject: PreviewSubject,
  options: { asOf: Date; examples: number },
): Promise<{ result: PreviewResult; facts: string[] }> {
  const [catalog, source] = [await loadCatalog(db), await loadRecordingSource(db)];
  const ctx = { timezone: subject.timezone, asOf: options.asOf };
  const predicate = recordingsOfJob(subject, catalog, ctx, source);
  const facts = [...conditionFacts(subject.condition)].slice(0, 6);
  const result = await previewSelection(db, predicate, {
    action: subject.action, examples: options.examples, incrementalJobId: subject.incrementalJobId, source, facts, catalog, ctx,
  });
  return { result, facts };
}

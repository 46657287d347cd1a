// `conflag preview <job>` / `conflag preview --condition '<json>'`: how many recordings match now, how many a
// run would change, which jobs of the opposite action select some of them too (conflicts), and a few examples —
// inside a READ ONLY transaction, so it cannot write anything. An
// unsaved condition is judged by the database (conflag.validate_condition), like a job being saved.
import pg from 'pg';
import { previewSubject, savedJobSubject, type PreviewSubject as Subject } from '../../condition/previewJob.ts';
import type { PreviewResult } from '../../condition/previewSelection.ts';
import type { Conflict } from '../../conflict/conflictsWith.ts';
import { ConflagError, fromDatabaseError, SQLSTATE } from '../../errors.ts';
import { findJob } from '../../sql/loadJob.ts';
import { resolveTimezone } from '../../sql/resolveTimezone.ts';
import { UsageError, type Command } from '../command.ts';
import { withDatabase } from '../withDatabase.ts';
import { parseAsOf } from './explain.ts';

async function unsavedSubject(client: pg.ClientBase, flags: Record<string, string | boolean | undefined>): Promise<Subject> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(flags.condition));
  } catch (error) {
    throw new UsageError(`--condition is not valid JSON: ${(error as Error).message}`);
  }
  const action = flags.action ?? 'set';
  if (action !== 'set' && action !== 'clear') throw new UsageError(`--action must be set or clear, not ${JSON.stringify(action)}`);
  let scope: string[] | null = null;
  if (flags.scope !== undefined) {
    scope = String(flags.scope).split(',').map((t) => t.trim()).filter(Boolean);
    if (scope.length === 0) throw new UsageError('--scope needs at least one tenant id (leave it out for all tenants)');
    const unknown = await client.query<{ id: string }>(`SELECT s.id FROM unnest($1::text[]) AS s(id) WHERE NOT EXISTS (SELECT 1 FROM conflag.tenants t WHERE t.id = s.id)`, [scope]);
    if (unknown.rows.length) throw new UsageError(`--scope: unknown tenant(s) ${unknown.rows.map((r) => JSON.stringify(r.id)).join(', ')}; SELECT id FROM conflag.tenants lists them`);
  }
  if (typeof flags.timezone === 'string') {
    const { rows } = await client.query<{ problem: string | null }>('SELECT conflag.timezone_problem($1) AS problem', [flags.timezone]);
    if (rows[0].problem) throw new UsageError(`--timezone: ${rows[0].problem}`);
  }
  // The database judges the condition, and its jsonb form (numbers as a stored job would hold them) is compiled.
  const { rows } = await client
    .query<{ condition: unknown }>('SELECT conflag.validate_condition($1::jsonb), $1::jsonb AS condition', [JSON.stringify(parsed)])
    .catch((error) => Promise.reject(fromDatabaseError(error)));
  return {
    title: 'Unsaved condition',
    access_scope: scope,
    condition: rows[0].condition,
    action,
    timezone: await resolveTimezone(client, typeof flags.timezone === 'string' ? flags.timezone : null),
  };
}

function conflictLines(subject: Subject, conflicts: Conflict[]): string[] {
  if (!conflicts.length) return [];
  const settle = subject.jobId
    ? `settle with INSERT INTO conflag.job_precedence (winner_job_id, loser_job_id) VALUES (<winner>, <loser>); see "Conflicts" in docs/dba.md`
    : `see "Conflicts" in docs/dba.md`;
  return [
    `  conflicts now: jobs of the opposite action also select some of these recordings, so runs may undo each other (${settle}):`,
    ...conflicts.map((c) => `    job ${c.jobId} ${JSON.stringify(c.name)} (${c.action}): ${c.common} of these recordings`),
  ];
}

function report(subject: Subject, asOf: Date, result: PreviewResult, facts: string[], conflicts: Conflict[]): string {
  const target = subject.action === 'set' ? 'true' : 'false';
  const columns = ['key', 'tenant', ...facts, 'confidential', 'would change'];
  const shown = (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));
  const table = result.examples.map((e) => [e.key, e.tenant, ...facts.map((f) => shown(e.facts[f])), String(e.confidential), e.would_change ? 'yes' : 'no']);
  const widths = columns.map((c, i) => Math.max(c.length, ...table.map((r) => r[i].length)));
  const line = (cells: string[]) => '    ' + cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [
    `${subject.title} — preview, nothing is written`,
    `  action ${subject.action} (confidential = ${target}), scope ${subject.access_scope ? subject.access_scope.join(', ') : 'all tenants'}, timezone ${subject.timezone}, as of ${asOf.toISOString()}`,
    `  matching recordings: ${result.matched}`,
    ...(subject.incrementalJobId ? [`  already processed by this incremental job (left alone): ${result.alreadyProcessed}`] : []),
    `  would change: ${result.wouldChange} (confidential is not yet ${target})`,
    ...conflictLines(subject, conflicts),
    ...(table.length ? [`  examples (changes first):`, line(columns), ...table.map(line)] : ['  no examples: nothing matches']),
    '',
  ].join('\n');
}

export const command: Command = {
  name: 'preview',
  summary: 'Show how many recordings a job (or an unsaved condition) would match and change now, with examples; writes nothing.',
  usage: `<job name or id> [--examples N] [--as-of T] [--json]
       conflag preview --condition '<json>' [--scope a,b] [--action set|clear] [--timezone ZONE] [--examples N] [--as-of T] [--json]

  --condition JSON  an unsaved condition (checked by conflag.validate_condition)
  --scope a,b       tenant ids for --condition (default: all tenants)
  --action A        set (default) or clear, for --condition
  --timezone ZONE   timezone for --condition (default: conflag.settings.default_timezone, else the server's)
  --examples N      example recordings to list (default 5, at most 100)
  --as-of T         the run start ("now") for age_minutes/age_days (default: now)
  --json            print the result as JSON`,
  maxArgs: 1,
  options: {
    condition: { type: 'string' }, scope: { type: 'string' }, action: { type: 'string' }, timezone: { type: 'string' },
    examples: { type: 'string' }, 'as-of': { type: 'string' }, json: { type: 'boolean' },
  },
  async run({ args, flags, stdout, log }) {
    const unsaved = flags.condition !== undefined;
    if (unsaved && args.length) throw new UsageError('give either a job or --condition, not both');
    if (!unsaved && args.length !== 1) throw new UsageError(args.length ? `give one job, not ${args.length}` : 'which job? give its name or id, or --condition');
    if (!unsaved) {
      for (const flag of ['scope', 'action', 'timezone']) {
        if (flags[flag] !== undefined) throw new UsageError(`--${flag} goes with --condition; a saved job has its own`);
      }
    }
    const examples = flags.examples === undefined ? 5 : Number(flags.examples);
    if (!Number.isInteger(examples) || examples < 0 || examples > 100) throw new UsageError(`--examples must be a whole number from 0 to 100, not ${JSON.stringify(flags.examples)}`);
    const asOf = parseAsOf(flags['as-of']) ?? new Date();
    return withDatabase(
      async (db) => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          await client.query('BEGIN TRANSACTION READ ONLY');
          let subject: Subject;
          if (unsaved) {
            subject = await unsavedSubject(client, flags);
          } else {
            const job = await findJob(client, args[0]);
            if (!job) throw new ConflagError(SQLSTATE.runJobNotFound, `job ${JSON.stringify(args[0])} does not exist; list the jobs with: SELECT id, name FROM conflag.jobs`);
            subject = await savedJobSubject(client, job);
          }
          const { result, facts, conflicts } = await previewSubject(client, subject, { asOf, examples });
          if (flags.json) {
            stdout.write(JSON.stringify({ subject: subject.title, action: subject.action, scope: subject.access_scope, timezone: subject.timezone, asOf: asOf.toISOString(), ...result, conflicts }, null, 2) + '\n');
          } else {
            stdout.write(report(subject, asOf, result, facts, conflicts));
          }
          return 0;
        } finally {
          await client.query('ROLLBACK').catch(() => {});
          await client.end();
        }
      },
      { log, migrate: false },
    );
  },
};

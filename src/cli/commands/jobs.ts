// `conflag jobs`: one line per job — id, name, enabled, schedule in words, next run in the job's time zone, the
// last run (status, when, recordings changed), consecutive failures — and a "!" for an enabled job that cannot be
// scheduled, with the reason below the table. --json prints the same for scripts. Reads only.
import pg from 'pg';
import { jobOverviews, type JobOverview } from '../../schedule/jobOverview.ts';
import type { Command } from '../command.ts';
import { withDatabase } from '../withDatabase.ts';

const HEADER = ['', 'id', 'name', 'enabled', 'schedule', 'next run', 'last run', 'failures'];

function lastRun(job: JobOverview): string {
  const r = job.row;
  if (r.running_run_id) return `running since ${r.running_since_local!.replace('T', ' ')} (run ${r.running_run_id})`;
  if (!r.last_run_id) return 'never run';
  return `${r.last_status} ${r.last_finished_local!.replace('T', ' ')}, changed ${r.last_changed} (run ${r.last_run_id})`;
}

function nextRun(job: JobOverview): string {
  if (job.scheduleProblem) return 'cannot be scheduled';
  if (job.nextRunLocal) return `${job.nextRunLocal.replace('T', ' ')} ${job.row.timezone}`;
  return job.row.crontab === null ? 'on request' : 'disabled';
}

function cells(job: JobOverview): string[] {
  const r = job.row;
  return [job.scheduleProblem ? '!' : '', r.id, r.name, r.enabled ? 'yes' : 'no', job.scheduleText, nextRun(job), lastRun(job), String(r.consecutive_failures)];
}

export function formatJobsTable(jobs: JobOverview[]): string {
  if (!jobs.length) return 'no jobs yet; add one with INSERT INTO conflag.jobs (see docs/dba.md) or try: conflag demo\n';
  const rows = [HEADER, ...jobs.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => row.map((cell, i) => (i === 1 || i === 7 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd());
  const problems = jobs.filter((j) => j.scheduleProblem).map((j) => `! job ${j.row.id} cannot be scheduled (${j.row.schedule}, time zone ${j.row.timezone}): ${j.scheduleProblem}`);
  return [...lines, ...(problems.length ? ['', ...problems] : [])].join('\n') + '\n';
}

export function jobsJson(job: JobOverview): Record<string, unknown> {
  const r = job.row;
  return {
    id: Number(r.id), name: r.name, enabled: r.enabled, schedule: r.schedule, scheduleText: job.scheduleText, timezone: r.timezone,
    nextRunAt: job.nextRunAt?.toISOString() ?? null, nextRunLocal: job.nextRunLocal, schedulable: job.scheduleProblem === null, scheduleProblem: job.scheduleProblem,
    running: r.running_run_id ? { runId: Number(r.running_run_id), since: r.running_since!.toISOString() } : null,
    lastRun: r.last_run_id ? { runId: Number(r.last_run_id), status: r.last_status, finishedAt: r.last_finished_at!.toISOString(), changed: Number(r.last_changed) } : null,
    lastSuccessAt: r.last_success_at?.toISOString() ?? null, consecutiveFailures: r.consecutive_failures,
  };
}

export const command: Command = {
  name: 'jobs',
  summary: 'List the jobs: schedule in words, next run (in the job\'s time zone), last run, consecutive failures; "!" marks a job that cannot be scheduled.',
  usage: `[--json]

  --json   print the jobs as a JSON array (times as ISO 8601 UTC, nextRunLocal in the job's time zone)`,
  maxArgs: 0,
  options: { json: { type: 'boolean' } },
  async run({ flags, stdout, log }) {
    return withDatabase(
      async (db) => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          const jobs: JobOverview[] = [];
          for await (const page of jobOverviews(client)) jobs.push(...page);
          stdout.write(flags.json ? JSON.stringify(jobs.map(jobsJson), null, 2) + '\n' : formatJobsTable(jobs));
          return 0;
        } finally {
          await client.end();
        }
      },
      { log, migrate: false },
    );
  },
};

// The service root: every job with enabled, schedule in words, next run in the job's time zone, last run (status,
// time, recordings changed), consecutive failures and lifetime changes, and a mark for an enabled job that cannot
// be scheduled (its crontab never fires in its time zone, or the zone is unknown to this runner) with the reason.
// Read from conflag.job_report, 200 jobs a page.
import { html } from 'hono/html';
import type pg from 'pg';
import { describeSchedule } from '../schedule/describeSchedule.ts';
import { nextTick } from '../schedule/nextTick.ts';
import { readJobReports, type JobReportRow } from '../sql/readJobReports.ts';
import { count, formatTime } from './format.ts';
import { page, status, type Html } from './layout.ts';

const PAGE = 200;

/** Why an enabled, scheduled job will not run on its schedule; null when it will (or is manual or disabled). */
export function scheduleProblem(job: Pick<JobReportRow, 'enabled' | 'crontab' | 'timezone'>, now: Date): string | null {
  if (!job.enabled || job.crontab === null) return null;
  try {
    nextTick(job.crontab, job.timezone, now);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

function nextRun(job: JobReportRow, problem: string | null): Html {
  if (problem) return html`<span class="bad" title="${problem}">⚠ cannot be scheduled</span>`;
  if (!job.enabled) return html`<span class="muted">disabled</span>`;
  if (job.crontab === null) return html`<span class="muted">on request</span>`;
  if (!job.next_run_at) return html`<span class="warn">not scheduled yet (no runner has synced it)</span>`;
  return html`${formatTime(job.next_run_at, job.timezone)} <span class="muted">${job.timezone}</span>`;
}

function lastRun(job: JobReportRow): Html {
  if (job.running_run_id) return html`<a href="/runs/${job.running_run_id}">${status('running')}</a>`;
  if (!job.last_run_id) return status(null);
  return html`<a href="/runs/${job.last_run_id}">${status(job.last_status)}</a> ${formatTime(job.last_finished_at, job.timezone)},
    ${count(job.last_changed)} changed${job.last_error ? html`<br><span class="muted">${job.last_error}</span>` : ''}`;
}

function row(job: JobReportRow, now: Date): Html {
  const problem = scheduleProblem(job, now);
  return html`<tr${problem ? html` class="unschedulable"` : ''}>
<td><a href="/jobs/${job.job_id}">${job.name}</a></td>
<td>${job.enabled ? 'yes' : html`<span class="muted">no</span>`}</td>
<td>${describeSchedule(job.schedule, job.timezone)}</td>
<td>${nextRun(job, problem)}</td>
<td>${lastRun(job)}</td>
<td class="num${job.consecutive_failures > 0 ? ' bad' : ''}">${job.consecutive_failures}</td>
<td class="num">${count(job.changed_total)}</td>
</tr>${problem ? html`<tr><td colspan="7" class="bad">Job ${job.job_id} cannot be scheduled (${job.schedule}, ${job.timezone}): ${problem}</td></tr>` : ''}`;
}

export async function jobsPage(db: pg.Pool, after: string, now = new Date()): Promise<Html> {
  const jobs = await readJobReports(db, { after, limit: PAGE });
  if (jobs.length === 0 && after === '0') {
    return page('Jobs', html`<h1>Jobs</h1><p>No jobs yet. Add one with <code>INSERT INTO conflag.jobs</code> (docs/dba.md) or try <code>npx conflag demo</code>.</p>`);
  }
  const more = jobs.length === PAGE ? html`<nav class="pages"><a href="/?after=${jobs[jobs.length - 1].job_id}">more jobs →</a></nav>` : '';
  return page('Jobs', html`<h1>Jobs</h1>
<div class="scroll"><table id="jobs">
<thead><tr><th>job</th><th>enabled</th><th>schedule</th><th>next run</th><th>last run</th><th class="num">failures in a row</th><th class="num">changed in total</th></tr></thead>
<tbody>${jobs.map((job) => row(job, now))}</tbody>
</table></div>
${more}`);
}

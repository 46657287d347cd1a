// The service root: every job with enabled, schedule in words, next run in the job's time zone, last run (status,
// time, recordings changed), consecutive failures, conflicts (recordings its last run took back from a job of the
// opposite action — measured by the run, so the list costs no scan of the recordings; the job page's preview and
// conflag.job_conflicts name the other job), and a mark for an enabled job that cannot be scheduled (its
// crontab never fires in its time zone, or the zone is unknown to this runner) with the reason. The same
// overview `conflag jobs` prints (src/schedule/jobOverview.ts).
import { html } from 'hono/html';
import type pg from 'pg';
import { jobOverviews, type JobOverview } from '../schedule/jobOverview.ts';
import { count, formatTime } from './format.ts';
import { page, status, type Html } from './layout.ts';

function nextRun(job: JobOverview): Html {
  const r = job.row;
  if (job.scheduleProblem) return html`<span class="bad" title="${job.scheduleProblem}">⚠ cannot be scheduled</span>`;
  if (!r.enabled) return html`<span class="muted">disabled</span>`;
  if (r.crontab === null) return html`<span class="muted">on request</span>`;
  return html`${formatTime(job.nextRunAt, r.timezone)} <span class="muted">${r.timezone}</span>`;
}

function lastRun(job: JobOverview): Html {
  const r = job.row;
  if (r.running_run_id) return html`<a href="/runs/${r.running_run_id}">${status('running')}</a> since ${formatTime(r.running_since, r.timezone)}`;
  if (!r.last_run_id) return status(null);
  return html`<a href="/runs/${r.last_run_id}">${status(r.last_status)}</a> ${formatTime(r.last_finished_at, r.timezone)}, ${count(r.last_changed)} changed`;
}

function conflicts(job: JobOverview): Html {
  const flipFlops = Number(job.row.last_flip_flops ?? 0);
  if (flipFlops === 0) return html`<span class="muted">none seen</span>`;
  return html`<a class="bad" href="/jobs/${job.row.id}" title="settle it with conflag.job_precedence (docs/dba.md, Conflicts)">⚠ ${count(job.row.last_flip_flops)} taken back in its last run</a>`;
}

function row(job: JobOverview): Html {
  const r = job.row;
  return html`<tr${job.scheduleProblem ? html` class="unschedulable"` : ''}>
<td><a href="/jobs/${r.id}">${r.name}</a></td>
<td>${r.enabled ? 'yes' : html`<span class="muted">no</span>`}</td>
<td>${job.scheduleText}</td>
<td>${nextRun(job)}</td>
<td>${lastRun(job)}</td>
<td class="num${r.consecutive_failures > 0 ? ' bad' : ''}">${r.consecutive_failures}</td>
<td class="conflicts">${conflicts(job)}</td>
</tr>${job.scheduleProblem ? html`<tr><td colspan="7" class="bad">Job ${r.id} cannot be scheduled (${r.schedule}, ${r.timezone}): ${job.scheduleProblem}</td></tr>` : ''}`;
}

export async function jobsPage(db: pg.Pool, now = new Date()): Promise<Html> {
  const rows: Html[] = [];
  for await (const jobs of jobOverviews(db, now)) rows.push(...jobs.map(row));
  if (rows.length === 0) {
    return page('Jobs', html`<h1>Jobs</h1><p>No jobs yet. Add one with <code>INSERT INTO conflag.jobs</code> (docs/dba.md) or try <code>npx conflag demo</code>.</p>`);
  }
  return page('Jobs', html`<h1>Jobs</h1>
<div class="scroll"><table id="jobs">
<thead><tr><th>job</th><th>enabled</th><th>schedule</th><th>next run</th><th>last run</th><th class="num">failures in a row</th><th>conflicts</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`);
}

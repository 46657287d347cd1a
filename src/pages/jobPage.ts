// A job's page, the target of the notification e-mails' link (<portal_url>/jobs/<id>): its settings in words, its
// condition and SQL, on request a preview of what it would change now (read-only), its incremental state, a chart
// of recordings changed per run, its run history and its edit audit.
import { html } from 'hono/html';
import type pg from 'pg';
import { loadCatalog } from '../condition/loadCatalog.ts';
import { loadRecordingSource } from '../source/recordingSource.ts';
import { previewSubject, savedJobSubject } from '../condition/previewJob.ts';
import { readIncrementalStatus } from '../sql/readIncrementalStatus.ts';
import { readJobChanges } from '../sql/readJobChanges.ts';
import { overviewOf } from '../schedule/jobOverview.ts';
import { readJobReport, type JobReportRow } from '../sql/readJobReports.ts';
import { readChangedPerRun, readJobRuns } from '../sql/readJobRuns.ts';
import { readJobSettings, type JobSettings } from '../sql/readJobSettings.ts';
import { changesChart } from './changesChart.ts';
import { count, formatTime } from './format.ts';
import { auditSection, incrementalSection, runsSection, RUNS_PER_PAGE } from './jobHistorySection.ts';
import { conditionSection, settingsList } from './jobSettingsSection.ts';
import { page, status, type Html } from './layout.ts';
import { recordingHref } from './recordingPage.ts';

/** A preview reads every recording in the job's scope; it gets this long before it is cancelled. */
const PREVIEW_TIMEOUT = '60s';

async function previewSection(pool: pg.Pool, job: JobSettings, now: Date): Promise<Html> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    await client.query(`SET LOCAL statement_timeout = '${PREVIEW_TIMEOUT}'`);
    const subject = await savedJobSubject(client, job);
    const { result, facts, conflicts } = await previewSubject(client, subject, { asOf: now, examples: 5 });
    const target = job.action === 'set' ? 'true' : 'false';
    return html`<dl class="facts" id="preview">
<dt>matching now</dt><dd>${count(result.matched)} recordings</dd>
${subject.incrementalJobId ? html`<dt>already processed</dt><dd>${count(result.alreadyProcessed)} (left alone)</dd>` : ''}
<dt>a run would change</dt><dd>${count(result.wouldChange)} (confidential is not yet ${target})</dd>
${conflicts.map((c) => html`<dt>conflict</dt><dd class="bad"><a href="/jobs/${c.jobId}">${c.name}</a> (${c.action}) also selects ${count(c.common)} of these recordings</dd>`)}
</dl>
${result.examples.length ? html`<div class="scroll"><table><thead><tr><th>recording</th><th>tenant</th>${facts.map((f) => html`<th>${f}</th>`)}<th>confidential</th><th>would change</th></tr></thead>
<tbody>${result.examples.map((e) => html`<tr><td><a href="${recordingHref(e.key)}">${e.key}</a></td><td>${e.tenant}</td>${facts.map((f) => html`<td>${JSON.stringify(e.facts[f] ?? null)}</td>`)}
<td>${String(e.confidential)}</td><td>${e.would_change ? 'yes' : 'no'}</td></tr>`)}</tbody></table></div>` : ''}`;
  } catch (error) {
    return html`<p class="bad">The preview failed: ${(error as Error).message}</p>`;
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

function summary(report: JobReportRow, now: Date): Html {
  const tz = report.timezone;
  const { scheduleProblem: problem, nextRunAt } = overviewOf(report);
  return html`<dl class="facts" id="summary">
<dt>last run</dt><dd>${report.last_run_id ? html`<a href="/runs/${report.last_run_id}">${status(report.last_status)}</a> ${formatTime(report.last_finished_at, tz)}` : status(null)}</dd>
<dt>last success</dt><dd>${report.last_success_run_id ? html`<a href="/runs/${report.last_success_run_id}">${formatTime(report.last_success_at, tz)}</a>` : '—'}</dd>
<dt>last failure</dt><dd>${report.last_failure_run_id ? html`<a href="/runs/${report.last_failure_run_id}">${formatTime(report.last_failure_at, tz)}</a> ${report.last_failure_error ?? ''}` : '—'}</dd>
<dt>failures in a row</dt><dd${report.consecutive_failures ? html` class="bad"` : ''}>${report.consecutive_failures}</dd>
<dt>next run</dt><dd>${problem ? html`<span class="bad">cannot be scheduled: ${problem}</span>` : nextRunAt ? `${formatTime(nextRunAt, tz)} ${tz}` : report.crontab === null ? 'on request' : '—'}</dd>
<dt>changed in total</dt><dd>${count(report.changed_total)} recordings in ${count(report.runs_total)} runs</dd>
</dl>`;
}

export async function jobPage(pool: pg.Pool, jobId: string, options: { before: string | null; preview: boolean }, now = new Date()): Promise<Html | undefined> {
  const [job, report] = await Promise.all([readJobSettings(pool, jobId), readJobReport(pool, jobId, now)]);
  if (!job || !report) return undefined;
  const tz = report.timezone;
  const client = await pool.connect();
  const source = await loadRecordingSource(client).finally(() => client.release());
  const [catalog, incremental, runs, points, changes] = await Promise.all([
    loadCatalog(pool), readIncrementalStatus(pool, jobId), readJobRuns(pool, jobId, { before: options.before, limit: RUNS_PER_PAGE }),
    readChangedPerRun(pool, jobId, 60), readJobChanges(pool, jobId, 20),
  ]);
  const preview = options.preview
    ? await previewSection(pool, job, now)
    : html`<p><a href="/jobs/${jobId}?preview=1#preview-section">Compute a preview now</a> <span class="muted">(reads every recording in scope; writes nothing)</span></p>`;
  return page(job.name, html`<h1>${job.name}</h1>
${summary(report, now)}
<h2>Settings</h2>
${settingsList(job, tz)}
${conditionSection(job, catalog, source, tz, now)}
<h2 id="preview-section">Preview</h2>
${preview}
${incrementalSection(incremental, job.mode, tz)}
<h2>Recordings changed per run</h2>
${changesChart(points, tz)}
${runsSection(jobId, runs, tz, options.before)}
${auditSection(changes, tz)}`);
}

// A run's page: status, counts, timings, error, its batches and detailed log (jobs with log_enabled; the log is
// also downloadable as a text file — the product's "log file"), and the first recordings it changed.
import { html } from 'hono/html';
import type pg from 'pg';
import { formatRunLogEntry } from '../run/formatRunLogEntry.ts';
import { readFlagChangesOfRun } from '../sql/readFlagHistory.ts';
import { readRun, type RunDetails } from '../sql/readRun.ts';
import { readRunLog, type RunLogRow } from '../sql/readRunLog.ts';
import { count, formatDuration, formatTime, runDuration } from './format.ts';
import { page, status, type Html } from './layout.ts';
import { recordingHref } from './recordingPage.ts';

const CHANGES_SHOWN = 100;

function facts(run: RunDetails): Html {
  const tz = run.timezone;
  return html`<dl class="facts" id="run-facts">
<dt>job</dt><dd>${run.job_exists ? html`<a href="/jobs/${run.job_id}">${run.job_name}</a>` : html`${run.job_name} <span class="muted">(since deleted)</span>`}</dd>
<dt>status</dt><dd>${status(run.status)}${run.retry_planned ? ' — the runner retries it' : ''}</dd>
<dt>trigger</dt><dd>${run.trigger}, attempt ${run.attempt}${run.request_id ? ` (request ${run.request_id})` : ''}</dd>
<dt>started</dt><dd>${formatTime(run.started_at, tz)} ${tz}</dd>
<dt>finished</dt><dd>${run.finished_at ? `${formatTime(run.finished_at, tz)} (took ${runDuration(run)})` : `running, last progress ${formatTime(run.heartbeat_at, tz)}`}</dd>
<dt>as of</dt><dd>${formatTime(run.as_of, tz)} <span class="muted">(the run's "now" for ages)</span></dd>
<dt>did</dt><dd>${run.action} the confidential flag, ${run.mode} mode, ${run.access_scope ? `tenants ${run.access_scope.join(', ')}` : 'every tenant'}</dd>
<dt>scan</dt><dd>${run.scan === 'table' ? 'the whole table, in block ranges' : run.scan === 'changes' ? `the ${count(run.candidates)} recordings added or changed since the last run` : '—'}${
  run.parallelism ? `, on ${run.parallelism} connection(s)` : ''}${run.batch_target_ms ? `, batches of about ${formatDuration(run.batch_target_ms)}` : ''}</dd>
<dt>batches</dt><dd>${run.batches} committed, ${count(run.scanned_units)} of ${count(run.scan_units)} ${run.scan === 'changes' ? 'candidates' : 'blocks'}</dd>
<dt>matched</dt><dd>${count(run.matched)}</dd>
<dt>changed</dt><dd>${count(run.changed)}</dd>
${run.mode === 'incremental' ? html`<dt>skipped</dt><dd>${count(run.skipped)} (processed by earlier runs)</dd>` : ''}
<dt>error</dt><dd${run.error ? html` class="bad"` : ''}>${run.error ?? '—'}</dd>
<dt>runner</dt><dd>${run.runner ?? '—'}</dd>
</dl>
<pre class="muted">${JSON.stringify(run.condition, null, 2)}</pre>`;
}

function batchesTable(entries: RunLogRow[]): Html {
  const batches = entries.filter((e) => e.event === 'batch');
  if (batches.length === 0) return html``;
  const d = (e: RunLogRow, key: string) => e.details[key] as string | number | null | undefined;
  // The range as the entry's message words it ("batch 3: blocks 128 to 256 of …: matched …").
  const range = (e: RunLogRow) => /^batch \d+: (.*?): matched/.exec(e.message)?.[1] ?? '';
  return html`<h2>Batches</h2><div class="scroll"><table id="batches">
<thead><tr><th class="num">batch</th><th>range</th><th class="num">matched</th><th class="num">changed</th><th class="num">took</th></tr></thead>
<tbody>${batches.map((b) => html`<tr><td class="num">${d(b, 'batch') ?? ''}</td><td>${range(b)}</td>
<td class="num">${count(d(b, 'matched') ?? null)}</td><td class="num">${count(d(b, 'changed') ?? null)}</td>
<td class="num">${formatDuration(Number(d(b, 'duration_ms') ?? 0))}</td></tr>`)}</tbody></table></div>`;
}

function logSection(run: RunDetails, entries: RunLogRow[]): Html {
  if (entries.length === 0) {
    return html`<h2>Detailed log</h2><p class="muted">None: the job had the detailed run log off when this run ran.</p>`;
  }
  return html`<h2>Detailed log</h2>
<p><a id="log-download" href="/runs/${run.id}/log.txt" download>Download the log file</a> <span class="muted">(${entries.length} entries)</span></p>
<pre id="log">${entries.map(formatRunLogEntry).join('\n')}</pre>`;
}

export async function runPage(pool: pg.Pool, runId: string): Promise<Html | undefined> {
  const run = await readRun(pool, runId);
  if (!run) return undefined;
  const [log, changes] = await Promise.all([readRunLog(pool, runId), readFlagChangesOfRun(pool, run, CHANGES_SHOWN)]);
  const entries = log?.entries ?? [];
  const changed = changes.length === 0 ? html`<p class="muted">None.</p>` : html`<p>${changes.map((c) => html`<a href="${recordingHref(c.recording_key)}">${c.recording_key}</a> `)}${
    Number(run.changed) > changes.length ? html`<span class="muted">… the first ${changes.length} of ${count(run.changed)}</span>` : ''}</p>`;
  return page(`Run ${run.id}`, html`<h1>Run ${run.id} of ${run.job_name}</h1>
${facts(run)}
${batchesTable(entries)}
${logSection(run, entries)}
<h2>Recordings it changed</h2>
${changed}`);
}

/** The log file: a header and one line per entry, as `conflag log <run id>` prints it; undefined when there is none. */
export async function runLogFile(pool: pg.Pool, runId: string): Promise<string | undefined> {
  const log = await readRunLog(pool, runId);
  if (!log || log.entries.length === 0) return undefined;
  const started = log.entries[0].at.toISOString();
  return [`conflag run ${log.run.id} of job ${JSON.stringify(log.run.job_name)}: ${log.run.status} (first entry ${started})`,
    ...log.entries.map(formatRunLogEntry), ''].join('\n');
}

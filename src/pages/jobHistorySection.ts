// What a job did: incremental state, the chart of recordings changed per run, the run history (a page of it,
// newest first) and the edit audit.
import { html } from 'hono/html';
import type { IncrementalStatus } from '../sql/readIncrementalStatus.ts';
import type { JobChange } from '../sql/readJobChanges.ts';
import type { RunSummary } from '../sql/readJobRuns.ts';
import { count, formatTime, runDuration } from './format.ts';
import { status, type Html } from './layout.ts';

export const RUNS_PER_PAGE = 20;

export function incrementalSection(state: IncrementalStatus | undefined, mode: string, timezone: string): Html {
  if (!state) {
    return mode === 'incremental' ? html`<h2>Incremental state</h2><p class="muted">None yet: the next run goes through the whole table.</p>` : html``;
  }
  return html`<h2>Incremental state</h2>
<dl class="facts" id="incremental">
<dt>remembered recordings</dt><dd>${count(state.remembered_recordings)} (processed, never processed again)</dd>
<dt>remembering since</dt><dd>${formatTime(state.remembering_since, timezone)}</dd>
<dt>continues from</dt><dd>${state.last_run_id ? html`<a href="/runs/${state.last_run_id}">run ${state.last_run_id}</a>, snapshot of ${formatTime(state.last_snapshot_at, timezone)}` : 'no successful incremental run yet'}</dd>
${state.running_run_id ? html`<dt>running</dt><dd><a href="/runs/${state.running_run_id}">run ${state.running_run_id}</a></dd>` : ''}
</dl>`;
}

function runRow(run: RunSummary, timezone: string): Html {
  return html`<tr>
<td><a href="/runs/${run.id}">${run.id}</a></td>
<td>${run.trigger}${run.attempt > 1 ? ` (attempt ${run.attempt})` : ''}</td>
<td>${status(run.status)}</td>
<td>${formatTime(run.started_at, timezone)}</td>
<td>${runDuration(run)}</td>
<td class="num">${count(run.matched)}</td>
<td class="num">${count(run.changed)}</td>
<td>${run.error ?? ''}</td>
</tr>`;
}

export function runsSection(jobId: string, runs: RunSummary[], timezone: string, before: string | null): Html {
  if (runs.length === 0 && before === null) return html`<h2>Runs</h2><p class="muted">No runs in the history.</p>`;
  const older = runs.length === RUNS_PER_PAGE ? html`<a href="/jobs/${jobId}?before=${runs[runs.length - 1].id}#runs">older runs →</a>` : '';
  const newest = before !== null ? html`<a href="/jobs/${jobId}#runs">← newest runs</a>` : '';
  return html`<h2 id="runs">Runs</h2>
<div class="scroll"><table id="run-history">
<thead><tr><th>run</th><th>trigger</th><th>status</th><th>started (${timezone})</th><th>took</th><th class="num">matched</th><th class="num">changed</th><th>error</th></tr></thead>
<tbody>${runs.map((run) => runRow(run, timezone))}</tbody>
</table></div>
<nav class="pages">${newest}${older}</nav>`;
}

export function auditSection(changes: JobChange[], timezone: string): Html {
  if (changes.length === 0) return html``;
  return html`<h2>Edits</h2>
<div class="scroll"><table id="audit">
<thead><tr><th>when (${timezone})</th><th>by</th><th>what</th></tr></thead>
<tbody>${changes.map((c) => html`<tr><td>${formatTime(c.changed_at, timezone)}</td><td>${c.changed_by}</td>
<td>${c.operation === 'UPDATE' ? `changed ${(c.changed_columns ?? []).join(', ') || 'nothing'}` : c.operation === 'INSERT' ? 'created' : 'deleted'}</td></tr>`)}</tbody>
</table></div>`;
}

// A recording's page: its flag now and its flag history — every change conflag made, by which job and run, when,
// from what to what — with the answer to "why is this call confidential?" in one sentence on top. The history is
// self-contained: a change whose run was pruned, or whose job was deleted, still names both. A recording is its key
// in the mapped recordings table (conflag.recording_source) as a JSON array, [42] for conflag.recordings.
import { html } from 'hono/html';
import type pg from 'pg';
import { loadRecordingSource } from '../source/recordingSource.ts';
import { readFlagHistoryOfRecording, type FlagChange } from '../sql/readFlagHistory.ts';
import { readRecording, type RecordingFlag } from '../sql/readRecording.ts';
import { formatTime } from './format.ts';
import { page, type Html } from './layout.ts';

const SHOWN = 500;
const ZONE = 'UTC';

function answer(recording: RecordingFlag, last: FlagChange | undefined): Html {
  const flag = recording.confidential ? 'confidential' : 'not confidential';
  if (!last) return html`<p id="answer">This recording is <strong>${flag}</strong>; conflag never changed its flag (the recording platform or a person set it).</p>`;
  const verb = last.new_confidential ? 'set' : 'cleared';
  const byHand = last.new_confidential !== recording.confidential;
  return html`<p id="answer">This recording is <strong>${flag}</strong>. Job <strong>${last.job_name}</strong> ${verb} the flag in run ${last.run_id}
on ${formatTime(last.changed_at, ZONE)} ${ZONE}${byHand ? html`; <span class="warn">it was changed by hand after that</span>` : ''}.</p>`;
}

function changeRow(change: FlagChange): Html {
  return html`<tr>
<td>${formatTime(change.changed_at, ZONE)}</td>
<td>${String(change.old_confidential)} → ${String(change.new_confidential)}</td>
<td>${change.job_exists ? html`<a href="/jobs/${change.job_id}">${change.job_name}</a>` : html`${change.job_name} <span class="muted">(deleted)</span>`}</td>
<td>${change.run_exists ? html`<a href="/runs/${change.run_id}">${change.run_id}</a>` : html`${change.run_id} <span class="muted">(pruned)</span>`}</td>
</tr>`;
}

/** The page's address for a recording key (JSON text such as [42]). */
export function recordingHref(key: string): string {
  return `/recordings/${encodeURIComponent(key)}`;
}

/** `key` is the recording's key as JSON text ([42]); a bare number n means [n]. Undefined: no such recording. */
export async function recordingPage(pool: pg.Pool, key: string): Promise<Html | undefined> {
  const client = await pool.connect();
  try {
    const source = await loadRecordingSource(client);
    const [recording, history] = await Promise.all([readRecording(client, source, key), readFlagHistoryOfRecording(pool, key, SHOWN)]);
    if (!recording) return undefined;
    const table = history.length === 0 ? html`` : html`<div class="scroll"><table id="flag-history">
<thead><tr><th>when (${ZONE})</th><th>confidential</th><th>job</th><th>run</th></tr></thead>
<tbody>${history.map(changeRow)}</tbody></table></div>
${history.length === SHOWN ? html`<p class="muted">The newest ${SHOWN} changes.</p>` : ''}`;
    return page(`Recording ${recording.key}`, html`<h1>Recording ${recording.key}</h1>
${answer(recording, history.at(-1))}
<dl class="facts" id="recording">
<dt>table</dt><dd>${source.table}</dd>
<dt>key</dt><dd>${recording.key}</dd>
<dt>tenant</dt><dd>${recording.tenant}</dd>
</dl>
<h2>Flag history</h2>
${table}`);
  } finally {
    client.release();
  }
}

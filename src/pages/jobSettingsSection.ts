// What a job does, in words: every setting of conflag.jobs, the condition as a nested list, and the SQL it
// compiles to with its parameters (the same as `conflag explain`), compiled for the job's time zone and now.
import { html } from 'hono/html';
import { explainSelection, formatParameters } from '../condition/explainSelection.ts';
import { formatPredicate } from '../condition/formatPredicate.ts';
import type { Catalog } from '../condition/types.ts';
import type { RecordingSource } from '../source/recordingSource.ts';
import { describeSchedule } from '../schedule/describeSchedule.ts';
import type { JobSettings } from '../sql/readJobSettings.ts';
import { describeCondition, type ConditionLine } from './describeCondition.ts';
import { formatTime } from './format.ts';
import type { Html } from './layout.ts';

const NOTIFY: Record<string, string> = { off: 'no e-mail', every_time: 'an e-mail every time', first_consecutive: 'an e-mail for the first of a series' };

function fact(term: string, value: unknown): Html {
  return html`<dt>${term}</dt><dd>${value}</dd>`;
}

export function settingsList(job: JobSettings, timezone: string): Html {
  const limit = job.execution_time_limit_minutes;
  return html`<dl class="facts" id="settings">
${fact('enabled', job.enabled ? 'yes' : 'no — paused, not scheduled (a request still runs it)')}
${fact('action', job.action === 'set' ? 'sets the confidential flag' : 'clears the confidential flag')}
${fact('recordings', job.access_scope ? `of the tenants ${job.access_scope.join(', ')}` : 'of every tenant')}
${fact('mode', job.mode === 'full' ? 'full: every run looks at every matching recording' : 'incremental: each run skips recordings earlier runs processed')}
${fact('schedule', describeSchedule(job.schedule, timezone))}
${fact('time zone', job.timezone ? job.timezone : `${timezone} (the default)`)}
${fact('detailed run log', job.log_enabled ? 'written for every run' : 'off')}
${fact('history', `successful runs kept ${job.keep_history_days} days`)}
${fact('time limit', limit === null ? 'none' : `a run is stopped after ${limit} minutes`)}
${fact('parallelism', job.parallelism === null ? 'the runner\'s default (CONFLAG_RUN_PARALLELISM, 2 unless set)' : `${job.parallelism} connection${job.parallelism === 1 ? '' : 's'} at once`)}
${fact('keep-alive', `a run without progress for ${job.keep_alive_timeout_minutes} minutes is failed`)}
${fact('on success', NOTIFY[job.notify_on_completion] ?? job.notify_on_completion)}
${fact('on failure', NOTIFY[job.notify_on_failure] ?? job.notify_on_failure)}
${fact('e-mail to', job.notify_emails ?? '—')}
${fact('created', `${formatTime(job.created_at, timezone)} ${timezone}`)}
${fact('last changed', `${formatTime(job.updated_at, timezone)} ${timezone}`)}
</dl>`;
}

function conditionList(line: ConditionLine): Html {
  return html`<li>${line.text}${line.children.length ? html`<ul>${line.children.map(conditionList)}</ul>` : ''}</li>`;
}

export function conditionSection(job: JobSettings, catalog: Catalog, source: RecordingSource, timezone: string, now: Date): Html {
  let words: Html;
  let compiled: Html;
  try {
    words = html`<ul class="condition" id="condition">${conditionList(describeCondition(job.condition, catalog))}</ul>`;
    const sql = explainSelection(job, catalog, { timezone, asOf: now }, source);
    compiled = html`<p class="muted">Predicate over r (${source.table}), scope included, compiled for ${timezone} as of ${now.toISOString()}:</p>
<pre id="sql">${formatPredicate(sql.predicate)}</pre>
<p class="muted">Parameters:</p>
<pre id="parameters">${formatParameters(sql.parameters)}</pre>`;
  } catch (error) {
    words = html`<p class="bad">The condition cannot be read any more: ${(error as Error).message}</p>`;
    compiled = html``;
  }
  return html`<h2>Condition</h2>${words}
<pre class="muted">${JSON.stringify(job.condition, null, 2)}</pre>
<h2>SQL</h2>${compiled}`;
}

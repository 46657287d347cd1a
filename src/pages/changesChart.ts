// Recordings changed per run over time, as an inline SVG bar chart (no script, no external asset): one bar per
// finished run, oldest on the left, failed and aborted runs in red; the axis says the largest value and the first
// and last run's date. Each bar has a <title> (run, status, changed) for a tooltip and for screen readers.
import { html } from 'hono/html';
import type { ChartPoint } from '../sql/readJobRuns.ts';
import { groupDigits } from './describeCondition.ts';
import { formatTime } from './format.ts';
import type { Html } from './layout.ts';

const WIDTH = 600;
const HEIGHT = 160;
const LEFT = 48;
const BOTTOM = 20;

export function changesChart(points: ChartPoint[], timezone: string): Html {
  if (points.length === 0) return html`<p class="muted">No finished runs in the history yet.</p>`;
  const max = Math.max(1, ...points.map((p) => p.changed));
  const plotWidth = WIDTH - LEFT;
  const slot = plotWidth / points.length;
  const barWidth = Math.max(1, slot * 0.8);
  const plotHeight = HEIGHT - BOTTOM - 8;
  const bars = points.map((p, i) => {
    const h = p.changed === 0 ? 1 : Math.max(2, (p.changed / max) * plotHeight);
    const x = (LEFT + i * slot + (slot - barWidth) / 2).toFixed(1);
    const y = (HEIGHT - BOTTOM - h).toFixed(1);
    const fill = p.status === 'succeeded' ? '#2563eb' : '#b91c1c';
    return html`<rect x="${x}" y="${y}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" fill="${fill}"><title>run ${p.id} (${p.status}): ${groupDigits(p.changed)} changed</title></rect>`;
  });
  const first = formatTime(points[0].started_at, timezone).slice(0, 10);
  const last = formatTime(points[points.length - 1].started_at, timezone).slice(0, 10);
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="Recordings changed per run, last ${points.length} runs">
<title>Recordings changed per run, last ${points.length} runs</title>
<line x1="${LEFT}" y1="${HEIGHT - BOTTOM}" x2="${WIDTH}" y2="${HEIGHT - BOTTOM}" stroke="currentColor" stroke-width="0.5"/>
<text x="${LEFT - 4}" y="14" font-size="11" text-anchor="end" fill="currentColor">${groupDigits(max)}</text>
<text x="${LEFT - 4}" y="${HEIGHT - BOTTOM}" font-size="11" text-anchor="end" fill="currentColor">0</text>
<text x="${LEFT}" y="${HEIGHT - 4}" font-size="11" fill="currentColor">${first}</text>
<text x="${WIDTH}" y="${HEIGHT - 4}" font-size="11" text-anchor="end" fill="currentColor">${last}</text>
${bars}
</svg>`;
}

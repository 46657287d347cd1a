// The frame of every page: one HTML document with its own small stylesheet (no external assets, no scripts),
// readable on a phone (viewport, wrapping text, tables that scroll sideways). Every value reaches the HTML through
// hono's `html` tag, which escapes it; only `raw` would not, and it is used for this file's constant stylesheet alone.
import { html, raw } from 'hono/html';

export type Html = ReturnType<typeof html>;

const STYLE = `
:root { color-scheme: light dark; --muted: #6b7280; --line: #d1d5db; --ok: #15803d; --bad: #b91c1c; --warn: #b45309; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 72rem; padding: 0.75rem 1rem 3rem; }
header { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; align-items: baseline; border-bottom: 1px solid var(--line); margin-bottom: 1rem; }
header a.home { font-weight: 700; text-decoration: none; }
h1 { font-size: 1.4rem; margin: 0.5rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.75rem 0 0.5rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
th, td { text-align: left; padding: 0.35rem 0.6rem 0.35rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap: 0.3rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
pre { background: rgba(127,127,127,0.12); padding: 0.75rem; overflow-x: auto; font-size: 0.85rem; }
.muted { color: var(--muted); }
.status-succeeded { color: var(--ok); } .status-failed, .status-aborted, .bad { color: var(--bad); font-weight: 600; }
.status-running, .status-skipped, .status-stopped, .warn { color: var(--warn); }
ul.condition, ul.condition ul { margin: 0.25rem 0; padding-left: 1.25rem; }
svg.chart { width: 100%; max-width: 48rem; height: auto; }
nav.pages a { margin-right: 1rem; }
`;

export function page(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · conflag</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<header><a class="home" href="/">conflag</a><span class="muted">Set/Clear Confidential Flags jobs</span></header>
<main>
${body}
</main>
</body>
</html>`;
}

export function status(value: string | null): Html {
  return value ? html`<span class="status-${value}">${value}</span>` : html`<span class="muted">never run</span>`;
}

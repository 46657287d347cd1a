// How `npm run bench` reports: with --json one JSON line per row as its group finishes and a final summary line
// ({"summary": true, ...}); otherwise markdown tables for docs/performance.md. Progress goes to stderr.
import { GROUPS, type GroupId, type RowResult } from './benchRows.ts';

export interface BenchSummary {
  summary: true;
  server: string;
  settings: Record<string, string>;
  cores: number;
  memoryGb: number;
  rows: number;
  matching: number;
  matchRate: number;
  condition: unknown;
  partitioned: boolean;
  repeat: number;
  rowsReported: number;
  /** 1-minute load average of the machine at the start and end of each group. */
  loadAverage: Partial<Record<GroupId, [number, number]>>;
  goals: { met: number; missed: number };
  seconds: number;
}

export function printGroup(group: GroupId, rows: RowResult[], json: boolean): void {
  if (!rows.length) return;
  if (json) {
    for (const row of rows) console.log(JSON.stringify(row, rounded));
    return;
  }
  console.log(`\n### ${GROUPS[group].title}\n`);
  if (group === 'scheduler') return printScheduler(rows[0]);
  if (group === 'peak-rss') {
    console.log('| table rows | peak RSS | vs smallest table | goal |\n|---:|---:|---:|---|');
    for (const r of rows) console.log(`| ${r.tableRows!.toLocaleString('en')} | ${r.maxRssMb!.toFixed(0)} MB | ${r.ratio!.toFixed(2)}× | ${goal(r)} |`);
    return;
  }
  console.log('| row | median s | ratio | changed | rows written (HOT) | WAL | WAL per changed | goal |\n|---|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const written = r.rowsWritten === null ? 'n/a' : `${r.rowsWritten} (${r.hotWritten})`;
    const perChanged = r.walBytesPerChanged === null ? '–' : `${(r.walBytesPerChanged! / 1024).toFixed(1)} kB`;
    console.log(`| ${r.row}: ${r.title}${r.note ? ` (${r.note})` : ''} | ${r.seconds!.toFixed(3)} | ${r.ratio!.toFixed(2)}× | ${r.changed} | ${written} | ` +
      `${(r.walBytes! / 1e6).toFixed(1)} MB | ${perChanged} | ${goal(r)} |`);
  }
}

function printScheduler(r: RowResult): void {
  const s = r.scheduler!;
  console.log(`${r.title}: ${s.jobs} jobs, ${s.ticks} ticks ${s.tickSeconds} s apart, ${s.runners} runner processes\n`);
  const ms = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(0)} ms`);
  console.log('| runs started | lag p50 | lag p95 | lag max | backlog at next tick (max) | backlog at end | merged ticks | enqueued within | run p50 / p95 | CPU per run: runners / database | runner peak RSS | goal |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  console.log(`| ${s.runsStarted} | ${s.lagP50.toFixed(1)} s | ${s.lagP95.toFixed(1)} s | ${s.lagMax.toFixed(1)} s | ${s.backlogMax} | ${s.backlogEnd} | ${s.mergedTicks} | ` +
    `${s.enqueueSeconds.toFixed(2)} s | ${s.runSeconds.p50.toFixed(3)} / ${s.runSeconds.p95.toFixed(3)} s | ${ms(s.cpuMsPerRun.runners)} / ${ms(s.cpuMsPerRun.database)} | ` +
    `${s.runnerMaxRssMb.map((m) => `${m.toFixed(0)} MB`).join(', ')} | ${goal(r)} |`);
}

function goal(r: RowResult): string {
  return r.goal ? `${r.goal}: ${r.goalMet ? 'met' : '**missed**'}` : '';
}

export function printSummary(summary: BenchSummary, json: boolean): void {
  if (json) return console.log(JSON.stringify(summary, rounded));
  const s = summary.settings;
  console.log(`\n${summary.rows.toLocaleString('en')} recordings${summary.partitioned ? ' (month-partitioned)' : ''}, ${summary.matching} matching ` +
    `(${(100 * summary.matchRate).toFixed(2)} %, ${JSON.stringify(summary.condition)}); median of ${summary.repeat}, interleaved; ` +
    `${summary.server}; ${summary.cores} cores, ${summary.memoryGb} GiB; ` +
    `settings: ${Object.entries(s).map(([k, v]) => `${k}=${v}`).join(', ')}; ` +
    `load average ${Object.entries(summary.loadAverage).map(([g, [a, b]]) => `${g} ${a.toFixed(1)}–${b.toFixed(1)}`).join(', ')}; goals met ${summary.goals.met}, missed ${summary.goals.missed}; ${summary.seconds.toFixed(0)} s`);
}

/** JSON numbers to a sensible precision (seconds to the microsecond, ratios to 4 places). */
function rounded(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(6)) : value;
}

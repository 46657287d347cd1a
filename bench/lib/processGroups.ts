// The groups of `npm run bench` measured on conflag's own processes rather than timed in this one: the peak RSS
// of `conflag run` in a child process at each table size, and the runner row (schedulerLag.ts).
import { addDemoRecordings } from './benchDatabase.ts';
import { clearFlags, conflagRun, type BenchContext } from './benchContext.ts';
import { checkGoal, ROWS, type RowResult } from './benchRows.ts';
import { runJobInChild } from './conflagProcess.ts';
import { measureSchedulerLag } from './schedulerLag.ts';

/** Grows the table to each size of --rss-rows in turn (it never shrinks) and runs the full job in a child. */
export async function peakRssGroup(ctx: BenchContext): Promise<RowResult[]> {
  const rows: RowResult[] = [];
  for (const [i, size] of ctx.options.rssRows.entries()) {
    let count = await recordings(ctx);
    if (count < size) {
      ctx.progress(`  growing the table from ${count} to ${size} recordings ...`);
      await addDemoRecordings(ctx.pool, size - count, 0.3 + 0.01 * i);
      await ctx.pool.query('VACUUM ANALYZE conflag.recordings');
      count = await recordings(ctx);
    }
    await clearFlags(ctx.pool);
    const maxRssMb = await runJobInChild(ctx.url, ctx.fullJob.name);
    ctx.progress(`  peak RSS at ${count} recordings: ${maxRssMb.toFixed(1)} MB`);
    const row: RowResult = {
      row: 'peak-rss', group: 'peak-rss', title: ROWS['peak-rss'], tableRows: count, maxRssMb, baseline: 'peak-rss',
      ratio: rows.length ? maxRssMb / rows[0].maxRssMb! : 1,
    };
    rows.push({ ...row, ...checkGoal(row) });
  }
  return rows;
}

async function recordings(ctx: BenchContext): Promise<number> {
  return Number((await ctx.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM conflag.recordings')).rows[0].n);
}

export async function schedulerGroup(ctx: BenchContext): Promise<RowResult[]> {
  // The job the scheduled jobs copy their incremental state from has just run: they start from now.
  await conflagRun(ctx, ctx.incrementalJob);
  const { jobs, ticks, tickSeconds } = ctx.options;
  ctx.progress(`  ${jobs} jobs, ${ticks} ticks ${tickSeconds} s apart, 2 runner processes ...`);
  const scheduler = await measureSchedulerLag({
    pool: ctx.pool, url: ctx.url, condition: ctx.condition, primedFrom: ctx.incrementalJob.id, jobs, ticks, tickSeconds, progress: ctx.progress,
  });
  const row: RowResult = { row: 'scheduler-lag', group: 'scheduler', title: `${jobs} ${ROWS['scheduler-lag']}`, scheduler };
  return [{ ...row, ...checkGoal(row) }];
}

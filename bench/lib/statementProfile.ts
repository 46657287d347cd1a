// Where a run's wall-clock time goes, statement by statement, without touching the executor: a pg.Pool whose
// clients time every query and label it with the src/ module that issued it (the first src/**/<module>.ts frame
// of the call stack; BEGIN/COMMIT/ROLLBACK and set_config named as such). What the run spends between its
// statements (Node, the event loop) is the run's time minus their sum. For bench/profileRun.ts.
import pg from 'pg';
import { benchPool } from './benchDatabase.ts';

export interface ProfileLine {
  label: string;
  calls: number;
  ms: number;
}

export class StatementProfile {
  #lines = new Map<string, ProfileLine>();

  record(label: string, ms: number): void {
    const line = this.#lines.get(label) ?? { label, calls: 0, ms: 0 };
    line.calls++;
    line.ms += ms;
    this.#lines.set(label, line);
  }

  /** The lines recorded since the last take, largest first; starts a new profile. */
  take(): ProfileLine[] {
    const lines = [...this.#lines.values()].sort((a, b) => b.ms - a.ms);
    this.#lines.clear();
    return lines;
  }
}

const MODULE = /\/src\/(?:[\w-]+\/)*([\w-]+)\.ts:/;
const KEYWORD = /^\s*(BEGIN|COMMIT|ROLLBACK|RESET|SELECT set_config\('[a-z_]+')/i;

function labelOf(query: unknown, stack: string): string {
  const text = typeof query === 'string' ? query : ((query as { text?: string } | undefined)?.text ?? '');
  const module = stack.split('\n').slice(2).map((line) => MODULE.exec(line)?.[1]).find(Boolean) ?? '(bench)';
  const keyword = KEYWORD.exec(text)?.[1];
  return keyword ? `${module}: ${keyword}` : module;
}

/** A pool whose every query lands in `profile`. */
export function profiledPool(url: string, profile: StatementProfile, max = 6): pg.Pool {
  Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 30);
  class ProfiledClient extends pg.Client {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    override query(...args: any[]): any {
      const label = labelOf(args[0], new Error().stack ?? '');
      const started = performance.now();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const result = (super.query as (...a: any[]) => any)(...args);
      const done = () => profile.record(label, performance.now() - started);
      if (result && typeof result.then === 'function') result.then(done, done);
      return result;
    }
  }
  return benchPool(url, max, { Client: ProfiledClient });
}

/**
 * A markdown table of a profile: each line's share of the statement time. A run on several connections spends
 * more statement time than wall-clock time (the footer says how many connections were busy on average); what a
 * run on one connection spends between its statements is Node's.
 */
export function profileTable(lines: ProfileLine[], runMs: number): string {
  const inStatements = lines.reduce((sum, l) => sum + l.ms, 0);
  const count = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
  const rows = lines.map((l) => `| ${l.label} | ${count(l.calls)} | ${l.ms.toFixed(1)} | ${(l.ms / l.calls).toFixed(2)} | ${((100 * l.ms) / inStatements).toFixed(1)} % |`);
  const busy = inStatements / runMs;
  const footer = busy > 1.05
    ? `| **the run**: ${runMs.toFixed(1)} ms wall-clock, ${busy.toFixed(2)} connections busy on average | ${count(lines.reduce((n, l) => n + l.calls, 0))} | ${inStatements.toFixed(1)} | | 100 % |`
    : `| **the run**: ${runMs.toFixed(1)} ms wall-clock, of which between statements (Node) ${(runMs - inStatements).toFixed(1)} ms | ${count(lines.reduce((n, l) => n + l.calls, 0))} | ${inStatements.toFixed(1)} | | 100 % |`;
  return ['| issued by | statements | total ms | ms each | share of statement time |', '|---|---:|---:|---:|---:|', ...rows, footer].join('\n');
}

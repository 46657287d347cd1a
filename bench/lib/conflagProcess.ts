// conflag's own command line in a child process, as an operator runs it: `conflag run <job>` for the peak-RSS
// row (with bench/lib/reportMaxRss.ts preloaded, which prints the process's maximum resident set size as it
// exits) and `conflag start` for the runner row. The bench kills only the processes it started.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseStartBanner } from '../../src/cli/startBanner.ts';

const BIN = fileURLToPath(new URL('../../bin/conflag.js', import.meta.url));
const MAX_RSS_HOOK = fileURLToPath(new URL('./reportMaxRss.ts', import.meta.url));
const MAX_RSS_LINE = /^conflag-bench-max-rss-kb (\d+)$/m;

export interface ConflagProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

const live = new Set<ChildProcess>();

/** Kills every conflag process the bench started that still runs (the bench was interrupted). */
export function killConflagProcesses(): void {
  for (const child of live) child.kill('SIGKILL');
}

function spawnConflag(args: string[], env: Record<string, string>, preload: string[] = []): ConflagProcess {
  // execArgv carries --experimental-strip-types where Node needs it, so bin/conflag.js runs in this very process
  // rather than re-executing itself (which would leave the preloaded hook in a wrapper).
  const child = spawn(process.execPath, [...process.execArgv, ...preload, BIN, ...args], {
    env: { ...process.env, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  live.add(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    live.delete(child);
    resolve(code);
  }));
  return { child, output: () => output, exited };
}

/** `conflag run <job>` to its end; returns the process's peak RSS in MB. Refuses loudly if the run failed. */
export async function runJobInChild(databaseUrl: string, job: string): Promise<number> {
  if (!process.features.typescript) throw new Error('the peak-RSS row needs a Node.js that runs TypeScript (22.12+ with --experimental-strip-types)');
  const run = spawnConflag(['run', job], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }, ['--import', MAX_RSS_HOOK]);
  const code = await run.exited;
  const kb = MAX_RSS_LINE.exec(run.output())?.[1];
  if (code !== 0 || !kb) throw new Error(`conflag run ${JSON.stringify(job)} exited with ${code}${kb ? '' : ' without reporting its RSS'}:\n${run.output()}`);
  return Number(kb) / 1024;
}

/** `conflag start` with PORT=0; resolves once it printed its start banner (src/cli/startBanner.ts). */
export async function startRunner(databaseUrl: string, env: Record<string, string> = {}): Promise<ConflagProcess> {
  const runner = spawnConflag(['start'], { DATABASE_URL: databaseUrl, PORT: '0', ...env });
  const deadline = Date.now() + 60_000;
  while (!parseStartBanner(runner.output())) {
    if (runner.child.exitCode !== null || Date.now() > deadline) {
      runner.child.kill('SIGKILL');
      throw new Error(`conflag start did not come up:\n${runner.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return runner;
}

/** Peak RSS (VmHWM) of a live process, in MB; null where /proc is not there to read it. */
export function peakRssMb(pid: number): number | null {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * CPU seconds (user + system) a live process has used, from /proc/<pid>/stat (in USER_HZ ticks, 100 a second on
 * Linux); null where /proc is not there to read it.
 */
export function cpuSeconds(pid: number): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    // After "pid (comm) ", utime and stime are the 12th and 13th fields.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** SIGTERM (a graceful stop), then SIGKILL after `ms`; resolves with the exit code. */
export async function stopProcess(proc: ConflagProcess, ms = 30_000): Promise<number | null> {
  if (proc.child.exitCode !== null) return proc.child.exitCode;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), ms);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

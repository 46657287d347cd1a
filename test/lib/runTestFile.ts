// Runs one uvu test file in its own Node process and reads its result. Two uvu 0.5.6 defects are turned into
// failures here: a throwing before/after hook (uvu counts the suite's tests as neither passed nor failed and
// still exits 0) and an open handle that keeps the process alive after its summary.
import { spawn } from 'node:child_process';

export interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  /** Why the file counts as failed beyond its failed tests (hook failure, hang, crash). */
  problems: string[];
  output: string;
  durationMs: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Whole-file limit. */
  timeoutMs?: number;
  /** How long a finished file may take to exit before its open handles count as a failure. */
  exitGraceMs?: number;
  onOutput?: (chunk: string) => void;
}

const ANSI = /\u001b\[[0-9;]*m/g;

export function runTestFile(file: string, options: RunOptions = {}): Promise<FileResult> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 20 * 60_000;
  const exitGraceMs = options.exitGraceMs ?? 5_000;
  return new Promise((resolve) => {
    // execArgv carries --experimental-strip-types, which Node 22.12–22.17 need to run .ts files.
    const child = spawn(process.execPath, [...process.execArgv, file], {
      env: { ...process.env, ...options.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const problems: string[] = [];
    let graceTimer: NodeJS.Timeout | undefined;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      options.onOutput?.(text);
      if (!graceTimer && /Duration:\s/.test(output)) {
        graceTimer = setTimeout(() => {
          problems.push(`did not exit within ${exitGraceMs} ms after its summary: an open handle (pool, timer, server) was left`);
          child.kill('SIGKILL');
        }, exitGraceMs);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const fileTimer = setTimeout(() => {
      problems.push(`timed out after ${timeoutMs} ms`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(fileTimer);
      if (graceTimer) clearTimeout(graceTimer);
      const plain = output.replace(ANSI, '');
      const total = readCount(plain, 'Total');
      const passed = readCount(plain, 'Passed') ?? 0;
      const skipped = readCount(plain, 'Skipped') ?? 0;
      let failed = total === undefined ? 0 : total - passed;
      if (total === undefined) problems.push('printed no uvu summary (crashed before finishing)');
      if (/^hook failed: /m.test(plain)) problems.push('hook failed: a before/after hook threw (see its output)');
      if (code !== 0 && failed === 0 && !problems.length) problems.push(`exited with ${signal ?? code}`);
      if (problems.length && failed === 0) failed = 1;
      resolve({ file, passed, failed, skipped, problems, output: plain, durationMs: Date.now() - started });
    });
  });
}

function readCount(output: string, label: string): number | undefined {
  const matches = [...output.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'gm'))];
  return matches.length ? Number(matches[matches.length - 1][1]) : undefined;
}

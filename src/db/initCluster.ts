// Creates the embedded cluster with initdb: UTF-8 with the C locale (byte order equals code point order, and no
// OS locale is required), password authentication for the superuser.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PostgresBinaries } from './postgresBinaries.ts';

export async function initCluster(options: {
  pgdata: string;
  binaries: PostgresBinaries;
  superuser: string;
  password: string;
  onLog: (message: string) => void;
}): Promise<void> {
  const { uid, gid } = options.binaries.user;
  fs.mkdirSync(options.pgdata, { recursive: true, mode: 0o700 });
  if (uid !== undefined) fs.chownSync(options.pgdata, uid, gid!);
  const pwdir = fs.mkdtempSync(path.join(os.tmpdir(), 'conflag-initdb-'));
  const pwfile = path.join(pwdir, 'password');
  fs.writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600 });
  if (uid !== undefined) {
    fs.chownSync(pwdir, uid, gid!);
    fs.chownSync(pwfile, uid, gid!);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        options.binaries.initdb,
        [`--pgdata=${options.pgdata}`, '--auth=password', `--username=${options.superuser}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--no-locale'],
        { uid, gid, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
      );
      let errors = '';
      child.stdout.on('data', (chunk: Buffer) => options.onLog(chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => {
        errors += chunk.toString('utf8');
        options.onLog(chunk.toString('utf8'));
      });
      child.once('error', reject);
      child.once('close', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`initdb failed (${signal ?? `exit code ${code}`}): ${errors.trim() || 'no message'}`)),
      );
    });
  } finally {
    fs.rmSync(pwdir, { recursive: true, force: true });
  }
}

// The operating-system user the embedded PostgreSQL runs as. PostgreSQL refuses to run as root, so as root its
// programs run as user "postgres", which must be able to enter every folder above the programs and the data.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface OsUser {
  uid: number;
  gid: number;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** User "postgres" if it exists (no side effects: for deciding where the data goes). */
export function existingPostgresUser(): OsUser | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/** User "postgres", created (without a home or a login shell) when missing. */
export function postgresUser(): OsUser {
  const existing = existingPostgresUser();
  if (existing) return existing;
  execFileSync('groupadd', ['--force', 'postgres']);
  execFileSync('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
  return existingPostgresUser()!;
}

/**
 * Whether `user` may enter every folder from `dir` up to the root, by the owner/group/other execute bits (its
 * supplementary groups are not consulted: a "no" then errs on the safe side). Without a user: as "other".
 */
export function traversableBy(dir: string, user?: OsUser): { ok: true } | { ok: false; blocking: string; mode: number } {
  let current = path.resolve(dir);
  while (true) {
    const stat = fs.statSync(current);
    const bit = user && stat.uid === user.uid ? 0o100 : user && stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return { ok: false, blocking: current, mode: stat.mode & 0o777 };
    const parent = path.dirname(current);
    if (parent === current) return { ok: true };
    current = parent;
  }
}

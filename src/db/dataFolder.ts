// Where the embedded PostgreSQL keeps its data when DATABASE_URL is unset, decided the same way by `start` and
// by the one-off commands of a second terminal, so they meet without any variable:
//   - CONFLAG_DATA_DIR when set (used as given; a folder user postgres cannot reach is refused, not moved).
//   - Otherwise `.conflag/` in the project folder (the current directory, as npm runs scripts there) — always
//     for a normal user, and for root when user postgres can reach it.
//   - As root in a project folder user postgres cannot enter (a clone in a `mktemp -d` folder is mode 700):
//     /var/lib/conflag/<folder name>-<hash of the project's .conflag path>, created for user postgres. The
//     hash makes it per project and stable: the same folder gives the same path from any shell.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { existingPostgresUser, isRoot, traversableBy, type OsUser } from './postgresUser.ts';

export const SHARED_DATA_ROOT = '/var/lib/conflag';

export interface DataFolder {
  dir: string;
  /** Why this folder: the variable, the project's .conflag/, or the per-project folder for a private project. */
  source: 'CONFLAG_DATA_DIR' | 'project' | 'private project';
}

/** The per-project folder under `root` for a project whose own data folder would be `projectDataDir`. */
export function sharedDataFolder(projectDataDir: string, root = SHARED_DATA_ROOT): string {
  const hash = crypto.createHash('sha256').update(path.resolve(projectDataDir)).digest('hex').slice(0, 12);
  const name = path.basename(path.dirname(path.resolve(projectDataDir))).replace(/[^A-Za-z0-9._-]/g, '_') || 'root';
  return path.join(root, `${name}-${hash}`);
}

export function chooseDataFolder(options: {
  configured: string | undefined;
  cwd: string;
  root?: boolean;
  /** The user the embedded PostgreSQL would run as (as root: postgres). */
  user?: OsUser;
  sharedRoot?: string;
}): DataFolder {
  if (options.configured) return { dir: path.resolve(options.cwd, options.configured), source: 'CONFLAG_DATA_DIR' };
  const project = path.resolve(options.cwd, '.conflag');
  const root = options.root ?? isRoot();
  if (!root) return { dir: project, source: 'project' };
  const user = options.user ?? existingPostgresUser();
  const reachable = traversableBy(fs.existsSync(project) ? project : options.cwd, user).ok;
  return reachable ? { dir: project, source: 'project' } : { dir: sharedDataFolder(project, options.sharedRoot), source: 'private project' };
}

/** Creates the per-project folder for user postgres (mode 700: it holds the recordings), its parent readable. */
export function createSharedDataFolder(dir: string, user: OsUser): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { mode: 0o700 });
  fs.chownSync(dir, user.uid, user.gid);
}

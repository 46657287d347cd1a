// Applies sql/ after the versioned migrations, in the same transaction and under the same lock (src/db/migrate.ts):
// Flyway's "repeatable migrations". conflag_meta.sql_files remembers, per file, its checksum and the objects it
// created with a digest of their definitions. A file is applied again when
//   - it is new, or its text changed (checksum);
//   - one of its objects is missing (a migration dropped it, or `migrate down` did), or was changed outside
//     sql/ (its digest differs: a hand-made hotfix is replaced by the file, with a warning);
//   - an object it depends on had to be dropped and created again (below).
// Files go in dependency order (src/db/sqlFiles.ts). CREATE OR REPLACE keeps grants and dependents; where
// PostgreSQL cannot replace in place (a view's columns, a function's result type or argument names), the object
// is dropped and created again together with its dependents — only when all of them are conflag's own objects;
// anything else depending on it (a DBA's report view) is named and the migration refused. An overload a function
// file no longer defines, and the objects of a file deleted from sql/, are dropped.
// Where things go: a new table, column, index or data change is a new file in migrations/ (never edit a landed
// one); a new or changed function, trigger or view is its file in sql/functions, sql/triggers or sql/views.
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { referencedNames, SqlFileError, type SqlFile, type SqlKind } from './sqlFiles.ts';
import { currentSqlObjects, dependentsOf, type SqlObject } from './sqlObjects.ts';

export interface SqlFilesReport {
  /** Files applied because they are new or their text changed. */
  applied: string[];
  /** Files applied again because an object of theirs was missing, changed outside sql/, or had to be re-created. */
  restored: string[];
  /** Objects dropped: of files deleted from sql/, and overloads a function file no longer defines. */
  dropped: string[];
}

interface Recorded {
  file: string;
  kind: SqlKind;
  checksum: string;
  objects: Array<{ identity: string; digest: string }>;
}

/** PostgreSQL cannot replace these in place: a view's columns (42P16), a function's result or arguments (42P13). */
const NEEDS_RECREATE = new Set(['42P16', '42P13']);

export async function ensureSqlFilesTable(client: pg.ClientBase): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS conflag_meta.sql_files (
    file       text PRIMARY KEY,
    kind       text NOT NULL,
    checksum   text NOT NULL,
    objects    jsonb NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  await client.query(`COMMENT ON TABLE conflag_meta.sql_files IS 'Which sql/ files conflag migrate applied: checksum of the text, and the objects created with a digest of their definitions (src/db/applySqlFiles.ts).'`);
}

/** What the database holds of sql/: the recorded files and the objects that exist now. Read-only. */
interface SqlState {
  recorded: Map<string, Recorded>;
  current: Map<string, SqlObject>;
}

async function readSqlState(client: pg.ClientBase, files: SqlFile[]): Promise<SqlState> {
  const recorded = new Map(
    (await client.query<Recorded>('SELECT file, kind, checksum, objects FROM conflag_meta.sql_files')).rows.map((r) => [r.file, r]),
  );
  const triggerNames = [
    ...files.filter((f) => f.kind === 'trigger').map((f) => f.name),
    ...[...recorded.values()].filter((r) => r.kind === 'trigger').flatMap((r) => r.objects.map((o) => o.identity.split(' ON ')[0])),
  ];
  return { recorded, current: await currentSqlObjects(client, triggerNames) };
}

/**
 * The sql/ files `migrate` would apply now, and the recorded files it would drop — without changing anything, so
 * a role that may not change the schema can tell whether the database is current (src/db/schemaStatus.ts).
 */
export async function pendingSqlFiles(client: pg.ClientBase, files: SqlFile[]): Promise<string[]> {
  const { recorded, current } = await readSqlState(client, files);
  const present = new Set(files.map((f) => f.path));
  return [
    ...files.filter((file) => whyApply(file, recorded.get(file.path), current, new Set())).map((f) => `sql/${f.path}`),
    ...[...recorded.keys()].filter((file) => !present.has(file)).map((file) => `sql/${file} (deleted)`),
  ];
}

export async function applySqlFiles(client: pg.ClientBase, files: SqlFile[], log?: Logger): Promise<SqlFilesReport> {
  const report: SqlFilesReport = { applied: [], restored: [], dropped: [] };
  const { recorded, current } = await readSqlState(client, files);
  const present = new Set(files.map((f) => f.path));

  const deleted = [...recorded.values()].filter((r) => !present.has(r.file));
  refuseDanglingReferences(files, deleted);
  await dropDeletedFiles(client, deleted, report);

  // Which file owns an object, for deciding whether a dependent may be dropped and created again.
  const owner = new Map<string, string>();
  for (const row of recorded.values()) for (const object of row.objects) owner.set(object.identity, row.file);
  const recreate = new Set<string>();
  const applied: Array<{ file: SqlFile; objects: string[] }> = [];

  for (const file of files) {
    const before = recorded.get(file.path);
    const reason = whyApply(file, before, current, recreate);
    if (!reason) continue;
    if (reason === 'drifted') {
      log?.warn({ file: `sql/${file.path}` }, `an object of sql/${file.path} was changed outside sql/; the file's definition is applied again`);
    }
    const objects = await applyFile(client, file, owner, recreate, report);
    for (const identity of objects) owner.set(identity, file.path);
    (reason === 'new' || reason === 'changed' ? report.applied : report.restored).push(file.path);
    log?.debug({ file: `sql/${file.path}`, reason, objects }, 'sql file applied');
    applied.push({ file, objects });
  }
  const late = [...recreate].filter((path) => !applied.some((a) => a.file.path === path) && present.has(path));
  if (late.length > 0) {
    throw new SqlFileError(`internal: ${late.join(', ')} had to be created again but came before the object they depend on`);
  }
  await record(client, applied);
  return report;
}

type Reason = 'new' | 'changed' | 'missing' | 'drifted' | 'recreated';

function whyApply(file: SqlFile, before: Recorded | undefined, current: Map<string, SqlObject>, recreate: Set<string>): Reason | null {
  if (!before) return 'new';
  if (before.checksum !== file.checksum) return 'changed';
  if (recreate.has(file.path)) return 'recreated';
  if (before.objects.some((o) => !current.has(o.identity))) return 'missing';
  if (before.objects.some((o) => current.get(o.identity)!.digest !== o.digest)) return 'drifted';
  return null;
}

/** Runs the file; returns the identities of the objects it (re)defined. */
async function applyFile(
  client: pg.ClientBase, file: SqlFile, owner: Map<string, string>, recreate: Set<string>, report: SqlFilesReport,
): Promise<string[]> {
  const versionsBefore = await functionVersions(client, file);
  await client.query('SAVEPOINT conflag_sql_file');
  try {
    await client.query(file.text);
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT conflag_sql_file');
    const code = (error as { code?: string }).code;
    if (!code || !NEEDS_RECREATE.has(code)) {
      throw new SqlFileError(`sql/${file.path} could not be applied: ${(error as Error).message}`, { cause: error });
    }
    await dropForRecreate(client, file, owner, recreate, (error as Error).message);
    await client.query(file.text).catch((again: Error) => {
      throw new SqlFileError(`sql/${file.path} could not be applied: ${again.message}`, { cause: again });
    });
  }
  await client.query('RELEASE SAVEPOINT conflag_sql_file');
  if (file.kind === 'view') return [`conflag.${file.name}`];
  if (file.kind === 'trigger') return [await triggerIdentity(client, file)];
  const versionsAfter = await functionVersions(client, file);
  const defined = [...versionsAfter].filter(([identity, version]) => versionsBefore.get(identity) !== version).map(([identity]) => identity);
  for (const stale of [...versionsAfter.keys()].filter((identity) => !defined.includes(identity))) {
    await dropStale(client, file, stale);
    report.dropped.push(stale);
  }
  return defined;
}

/**
 * Each overload named after a function file with the version of its catalog row (xmin and ctid change whenever
 * CREATE OR REPLACE rewrites it, even with the same text): the overloads whose version moved are the file's.
 */
async function functionVersions(client: pg.ClientBase, file: SqlFile): Promise<Map<string, string>> {
  if (file.kind !== 'function') return new Map();
  const { rows } = await client.query<{ identity: string; version: string }>(
    `SELECT format('%I.%I(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)) AS identity, p.xmin::text || p.ctid::text AS version
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'conflag' AND p.proname = $1`,
    [file.name],
  );
  return new Map(rows.map((r) => [r.identity, r.version]));
}

async function triggerIdentity(client: pg.ClientBase, file: SqlFile): Promise<string> {
  const { rows } = await client.query<{ identity: string }>(
    `SELECT format('%I ON %I.%I', t.tgname, n.nspname, c.relname) AS identity
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE t.tgname = $1 AND t.tgrelid = to_regclass($2)`,
    [file.name, file.table],
  );
  if (!rows[0]) throw new SqlFileError(`sql/${file.path} ran, but trigger ${file.name} ON ${file.table} does not exist after it`);
  return rows[0].identity;
}

async function dropForRecreate(client: pg.ClientBase, file: SqlFile, owner: Map<string, string>, recreate: Set<string>, why: string) {
  const targets = file.kind === 'view'
    ? [`conflag.${file.name}`]
    : [...(await functionVersions(client, file)).keys()];
  const dependents = await dependentsOf(client, targets);
  const foreign = dependents.filter((d) => !owner.has(d.identity));
  if (foreign.length > 0) {
    throw new SqlFileError(
      `sql/${file.path} cannot replace ${targets.join(', ')} in place (${why}), so it must be dropped and created again; ` +
        `but ${foreign.map((d) => d.description).join(', ')} depend${foreign.length === 1 ? 's' : ''} on it and ` +
        `${foreign.length === 1 ? 'is' : 'are'} not in sql/. Drop ${foreign.length === 1 ? 'it' : 'them'} first (and create ` +
        `${foreign.length === 1 ? 'it' : 'them'} again after migrating).`,
    );
  }
  for (const target of targets) {
    await client.query(`DROP ${file.kind === 'view' ? 'VIEW' : 'ROUTINE'} ${target} CASCADE`);
  }
  for (const dependent of dependents) recreate.add(owner.get(dependent.identity)!);
}

async function dropStale(client: pg.ClientBase, file: SqlFile, identity: string) {
  try {
    await client.query('SAVEPOINT conflag_sql_stale');
    await client.query(`DROP ROUTINE ${identity}`);
    await client.query('RELEASE SAVEPOINT conflag_sql_stale');
  } catch (error) {
    throw new SqlFileError(
      `sql/${file.path} no longer defines ${identity}, but it cannot be dropped: ${(error as Error).message}` +
        `${(error as { detail?: string }).detail ? ` (${(error as { detail?: string }).detail})` : ''}`,
      { cause: error },
    );
  }
}

/**
 * PL/pgSQL bodies are not checked against what they call until they run, so PostgreSQL would let a deleted
 * function go while another file still calls it: refuse that here, by name, before anything is dropped.
 */
function refuseDanglingReferences(files: SqlFile[], deleted: Recorded[]) {
  const names = new Set(deleted.filter((r) => r.kind !== 'trigger').flatMap((r) => r.objects.map((o) => o.identity.replace(/^conflag\.([^(]+).*$/, '$1'))));
  for (const file of files) {
    const users = [...referencedNames(file)].filter((name) => names.has(name) && name !== file.name);
    if (users.length > 0) {
      throw new SqlFileError(`sql/${file.path} still uses ${users.map((n) => `conflag.${n}`).join(', ')}, whose file was deleted from sql/; change it too`);
    }
  }
}

/** Objects of files deleted from sql/: triggers first, then views and functions, refused while others use them. */
async function dropDeletedFiles(client: pg.ClientBase, deleted: Recorded[], report: SqlFilesReport) {
  if (deleted.length === 0) return;
  const identities = deleted.flatMap((r) => r.objects.map((o) => ({ kind: r.kind, identity: o.identity, file: r.file })));
  const existing = await currentSqlObjects(client, identities.filter((o) => o.kind === 'trigger').map((o) => o.identity.split(' ON ')[0]));
  const gone = new Set(identities.map((o) => o.identity));
  const users = (await dependentsOf(client, identities.filter((o) => o.kind !== 'trigger').map((o) => o.identity)))
    .filter((d) => !gone.has(d.identity));
  if (users.length > 0) {
    throw new SqlFileError(
      `${deleted.map((r) => `sql/${r.file}`).join(', ')} ${deleted.length === 1 ? 'was' : 'were'} deleted, but ` +
        `${users.map((d) => d.description).join(', ')} still depend on ${deleted.length === 1 ? 'its objects' : 'their objects'}; ` +
        `change or delete those too`,
    );
  }
  const rank: Record<SqlKind, number> = { trigger: 0, view: 1, function: 2 };
  for (const object of identities.sort((a, b) => rank[a.kind] - rank[b.kind])) {
    if (!existing.has(object.identity)) continue;
    // IF EXISTS: dropping one of them may have taken another (all dependents were checked to be among them).
    await client.query(`DROP ${object.kind === 'function' ? 'ROUTINE' : object.kind.toUpperCase()} IF EXISTS ${object.identity} CASCADE`);
    report.dropped.push(object.identity);
  }
  await client.query('DELETE FROM conflag_meta.sql_files WHERE file = ANY ($1::text[])', [deleted.map((r) => r.file)]);
}

async function record(client: pg.ClientBase, applied: Array<{ file: SqlFile; objects: string[] }>) {
  if (applied.length === 0) return;
  const current = await currentSqlObjects(client, applied.filter((a) => a.file.kind === 'trigger').map((a) => a.file.name));
  for (const { file, objects } of applied) {
    const digests = objects.map((identity) => {
      const object = current.get(identity);
      // A later file's drop-and-recreate cascaded to an object applied earlier in this pass: never record it as there.
      if (!object) throw new SqlFileError(`internal: ${identity} of sql/${file.path} was applied but is gone at the end`);
      return { identity, digest: object.digest };
    });
    await client.query(
      `INSERT INTO conflag_meta.sql_files (file, kind, checksum, objects) VALUES ($1, $2, $3, $4)
       ON CONFLICT (file) DO UPDATE SET kind = EXCLUDED.kind, checksum = EXCLUDED.checksum, objects = EXCLUDED.objects, applied_at = now()`,
      [file.path, file.kind, file.checksum, JSON.stringify(digests)],
    );
  }
}

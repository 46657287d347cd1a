// Reads sql/: the only copy of every function, trigger function, trigger and view of conflag, one object per
// file, named after it, in a folder per kind (sql/functions, sql/views, sql/triggers; pg_partman's layout).
// A function file may define several overloads of its one name. Each file is checked to define exactly the
// object it is named after (nothing else at its top level), and the files are put in dependency order: a file
// that mentions conflag.<name> of another file's function or view comes after it (SQL-language functions and
// views are checked against what they reference when created; comments and string literals do not count). A
// cycle is refused with the files named.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SQL_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql');

export type SqlKind = 'function' | 'view' | 'trigger';

const FOLDERS: Record<string, SqlKind> = { functions: 'function', views: 'view', triggers: 'trigger' };

export interface SqlFile {
  /** Relative to sql/, with forward slashes: "functions/request_run.sql". */
  path: string;
  kind: SqlKind;
  /** The object's name: the function or view in schema conflag, or the trigger. */
  name: string;
  /** Triggers: the table, "conflag.jobs". */
  table?: string;
  text: string;
  checksum: string;
}

export class SqlFileError extends Error {
  override name = 'SqlFileError';
}

/** Every file of sql/, in an order in which each comes after the files it references. */
export function loadSqlFiles(dir: string = SQL_DIR): SqlFile[] {
  const files: SqlFile[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name === 'README.md') continue;
    const kind = FOLDERS[entry.name];
    if (!entry.isDirectory() || !kind) {
      throw new SqlFileError(`sql/${entry.name}: sql/ holds only the folders functions/, views/ and triggers/`);
    }
    for (const name of fs.readdirSync(path.join(dir, entry.name)).sort()) {
      const relative = `${entry.name}/${name}`;
      if (!name.endsWith('.sql')) throw new SqlFileError(`sql/${relative}: only .sql files belong in sql/${entry.name}/`);
      const text = fs.readFileSync(path.join(dir, entry.name, name), 'utf8');
      files.push(describeFile(relative, kind, path.basename(name, '.sql'), text));
    }
  }
  return dependencyOrder(files);
}

function describeFile(relative: string, kind: SqlKind, name: string, text: string): SqlFile {
  const statements = [...topLevel(text).matchAll(/\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED|MATERIALIZED|UNIQUE|CONSTRAINT)\s+)*(\w+)\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w."]+)/gi)];
  const wanted = kind === 'trigger' ? 'TRIGGER' : kind === 'view' ? 'VIEW' : 'FUNCTION|PROCEDURE';
  const expected = kind === 'trigger' ? name : `conflag.${name}`;
  const strays = statements.filter((m) => !new RegExp(`^(${wanted})$`, 'i').test(m[1]) || m[2] !== expected);
  if (statements.length === 0 || strays.length > 0) {
    const found = statements.map((m) => `CREATE ${m[1].toUpperCase()} ${m[2]}`).join(', ') || 'no CREATE statement';
    throw new SqlFileError(
      `sql/${relative} must define exactly the ${kind} ${expected} (CREATE OR REPLACE ${wanted.split('|')[0]} ${expected}), and ` +
        `nothing else; it has: ${found}`,
    );
  }
  if (!statements.every((m) => /^CREATE\s+OR\s+REPLACE\b/i.test(m[0]))) {
    throw new SqlFileError(`sql/${relative}: write CREATE OR REPLACE ${wanted.split('|')[0]}, so the file can be applied again`);
  }
  let table: string | undefined;
  if (kind === 'trigger') {
    table = /\bON\s+([\w."]+)/i.exec(topLevel(text))?.[1];
    if (!table) throw new SqlFileError(`sql/${relative}: the trigger's table (ON <schema>.<table>) was not found`);
  }
  return { path: relative, kind, name, table, text, checksum: createHash('sha256').update(text).digest('hex') };
}

/** The text with comments, string literals and dollar-quoted bodies blanked out: what runs at the top level. */
function topLevel(text: string): string {
  return withoutComments(text).replace(/\$(\w*)\$[\s\S]*?\$\1\$/g, ' ').replace(/'(?:[^']|'')*'/g, "''");
}

function withoutComments(text: string): string {
  return text.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
}

/** Every conflag.<name> the file's SQL mentions; comments and string literals (COMMENT ON texts, messages) name
 * objects without depending on them, so they do not count. */
export function referencedNames(file: SqlFile): Set<string> {
  const code = withoutComments(file.text).replace(/'(?:[^']|'')*'/g, "''");
  return new Set([...code.matchAll(/\bconflag\.(\w+)/g)].map((m) => m[1]));
}

/** Kahn's algorithm, ties broken by path so the order is the same on every machine. */
function dependencyOrder(files: SqlFile[]): SqlFile[] {
  const byName = new Map<string, SqlFile>();
  for (const file of files) if (file.kind !== 'trigger') byName.set(file.name, file);
  const needs = new Map<SqlFile, Set<SqlFile>>();
  for (const file of files) {
    const references = new Set<SqlFile>();
    for (const name of referencedNames(file)) {
      const target = byName.get(name);
      if (target && target !== file) references.add(target);
    }
    needs.set(file, references);
  }
  const ordered: SqlFile[] = [];
  const done = new Set<SqlFile>();
  while (ordered.length < files.length) {
    const ready = files.filter((f) => !done.has(f) && [...needs.get(f)!].every((n) => done.has(n)));
    if (ready.length === 0) {
      const stuck = files.filter((f) => !done.has(f)).map((f) => `sql/${f.path}`);
      throw new SqlFileError(`these sql/ files reference each other in a cycle, so none can be applied first: ${stuck.join(', ')}`);
    }
    for (const file of ready) {
      ordered.push(file);
      done.add(file);
    }
  }
  return ordered;
}

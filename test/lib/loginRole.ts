// Real login roles for tests of what a role may do: a test connects AS the role (its own password, its own session),
// not as a superuser that SET ROLEs, so the rights seen are exactly the role's. Names carry the test database's name
// (roles are cluster-wide); drop() removes the role again.
import pg from 'pg';
import { adminUrl, databaseUrl } from './db.ts';

export interface LoginRole {
  name: string;
  /** This file's database, connecting as the role. */
  url: string;
  drop(): Promise<void>;
}

let counter = 0;

/** A LOGIN role that is a member of `memberOf` (none: a login with no grant at all). */
export async function createLoginRole(label: string, memberOf: string[] = []): Promise<LoginRole> {
  const base = process.env.CONFLAG_TEST_DATABASE ?? `conflag_${process.pid}`;
  const name = `${base}_${label}_${++counter}`.slice(0, 63);
  const password = `pw-${process.pid}-${counter}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`);
    await admin.query(`CREATE ROLE ${pg.escapeIdentifier(name)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
    for (const role of memberOf) await admin.query(`GRANT ${pg.escapeIdentifier(role)} TO ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl());
  url.username = name;
  url.password = password;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      try {
        // Sessions still open as the role would keep DROP ROLE from working.
        await client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [name]);
        await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
    },
  };
}

const members = new Map<string, Promise<LoginRole>>();

/**
 * A login that is a member of one of conflag's roles (conflag_runner, conflag_admin, conflag_reporting), created
 * once per test file; its URL connects as it. dropMemberLogins() (in the file's `after`) removes them.
 */
export async function memberOf(role: string): Promise<LoginRole> {
  let login = members.get(role);
  if (!login) members.set(role, (login = createLoginRole(role.replace(/^conflag_/, ''), [role])));
  return login;
}

export async function dropMemberLogins(): Promise<void> {
  const logins = [...members.values()];
  members.clear();
  for (const login of logins) await (await login).drop();
}

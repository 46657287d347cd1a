// The PostgreSQL the test run uses: DATABASE_URL when given (any PostgreSQL 14+ where we may create
// databases), otherwise a throw-away embedded cluster in a temporary folder. A template database is migrated
// once; each test file gets its own copy (CREATE DATABASE ... TEMPLATE), so files never share state.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from '../../src/db/embeddedPostgres.ts';
import { migrate } from '../../src/db/migrate.ts';

export interface TestCluster {
  adminUrl: string;
  template: string;
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  close(): Promise<void>;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function openTestCluster(): Promise<TestCluster> {
  let adminUrl = process.env.DATABASE_URL;
  let stopServer: (() => Promise<void>) | undefined;
  let tmp: string | undefined;
  if (!adminUrl) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'conflag-test-'));
    fs.chmodSync(tmp, 0o755);
    const server = await startEmbeddedPostgres({ dataDir: tmp, port: await freePort() });
    adminUrl = server.url;
    stopServer = server.stop;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const template = `conflag_template_${process.pid}`;
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  await migrate(withDatabase(adminUrl, template));

  return {
    adminUrl,
    template,
    async createDatabase(name) {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${template}`);
      return withDatabase(adminUrl!, name);
    },
    async dropDatabase(name) {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    },
    async close() {
      await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {});
      await admin.end();
      await stopServer?.();
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

// What `conflag start` prints once it runs: where the service answers, the database URL as psql takes it, where
// the embedded cluster keeps its data, and anything chosen for the user (a moved port, a data folder outside the
// project). On stdout, before the log lines, so a person sees it first and a script can read it.
import type { Database } from '../db/openDatabase.ts';

export function formatStartBanner(options: { version: string; serviceUrl: string; db: Database; notes: string[] }): string {
  const { db } = options;
  const lines = [
    `conflag ${options.version} is running. Press Ctrl-C to stop.`,
    `  service:   ${options.serviceUrl}  (${options.serviceUrl}/health, ${options.serviceUrl}/metrics)`,
    `  database:  ${db.psqlUrl}`,
    `  psql:      psql "${db.psqlUrl}"`,
    db.embedded ? `  data:      ${db.dataDir} (embedded PostgreSQL)` : `  data:      DATABASE_URL`,
    ...[...db.notes, ...options.notes].map((note) => `  note:      ${note}`),
  ];
  return lines.join('\n') + '\n';
}

/** The service URL, database URL and data line of a banner in `output` (for scripts and tests). */
export function parseStartBanner(output: string): { serviceUrl: string; databaseUrl: string; data: string } | undefined {
  const match = /is running\. Press Ctrl-C to stop\.\n {2}service: +(\S+) .*\n {2}database: +(\S+)\n.*\n {2}data: +(.*)\n/.exec(output);
  return match ? { serviceUrl: match[1], databaseUrl: match[2], data: match[3] } : undefined;
}

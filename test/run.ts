// `npm test`: runs every test/**/*.test.ts file in its own process against its own database, two at a time,
// and ends with the plain line "N passed, N failed, N skipped". Arguments filter files by substring. A file's
// output is shown when it fails; its "figures: …" lines (what a reliability suite measured) always.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTestFile, type FileResult } from './lib/runTestFile.ts';
import { openTestCluster } from './lib/testCluster.ts';

const root = path.dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = listTests(root).filter((f) => !filters.length || filters.some((x) => f.includes(x)));
const concurrency = Number(process.env.TEST_CONCURRENCY || 2);

const cluster = await openTestCluster();
const results: FileResult[] = [];
let failedToRun = 0;
try {
  const queue = [...files];
  let counter = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        const name = `conflag_test_${process.pid}_${++counter}`;
        const url = await cluster.createDatabase(name);
        const result = await runTestFile(file, {
          env: { DATABASE_URL: url, CONFLAG_TEST_ADMIN_URL: cluster.adminUrl, CONFLAG_TEST_DATABASE: name },
        });
        results.push(result);
        report(result, name);
        if (result.failed === 0) await cluster.dropDatabase(name);
      }
    }),
  );
} catch (error) {
  failedToRun = 1;
  console.error('The test run itself failed:', error);
} finally {
  await cluster.close();
}

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0) + failedToRun;
const skipped = results.reduce((n, r) => n + r.skipped, 0);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed || skipped || !files.length ? 1 : 0;

function report(result: FileResult, database: string) {
  const rel = path.relative(process.cwd(), result.file);
  const status = result.failed ? 'FAIL' : 'ok  ';
  console.log(`${status} ${rel}  ${result.passed} passed, ${result.failed} failed  (${(result.durationMs / 1000).toFixed(1)} s)`);
  // Reliability suites print their figures (kills, inputs tried, lost: 0) as lines "figures: …" (uvu may have
  // put its progress dots before one on the same line).
  for (const [line] of result.output.matchAll(/figures: [^\n]*/g)) console.log(`     ${line}`);
  if (result.failed) {
    console.log(result.output.replace(/^/gm, '    | '));
    for (const problem of result.problems) console.log(`    ! ${problem}`);
    console.log(`    (its database ${database} is kept for inspection)`);
  }
}

function listTests(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

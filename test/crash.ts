// `npm run crash -- --kills 100`: the crash suites (test/crash/) alone, with as many SIGKILLs as asked for (CI runs
// them within `npm test` with the default of 20). Other arguments filter the files, as for `npm test`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const env = { ...process.env };
const filters: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--kills') {
    const kills = Number(args[++i]);
    if (!Number.isInteger(kills) || kills < 1) {
      console.error(`--kills must be a whole number of SIGKILLs from 1 up, not ${JSON.stringify(args[i])}`);
      process.exit(2);
    }
    env.CONFLAG_CRASH_KILLS = String(kills);
  } else filters.push(args[i]);
}
const run = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run.ts');
const result = spawnSync(process.execPath, [...process.execArgv, run, ...(filters.length ? filters : ['test/crash/'])], { stdio: 'inherit', env });
process.exit(result.status ?? 1);

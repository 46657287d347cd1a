// `promtool check metrics` (Debian's prometheus package) on exposition text. The rule: where promtool is on PATH
// the text must pass it (exit 0, no lint problem). Where it is missing the check FAILS, unless
// CONFLAG_PROMTOOL=absent says this machine cannot have it — .ci/run sets that only when `apt-get install
// prometheus` failed, after printing why — and then the caller's own strict parse is the only check, and the
// output says so. Not a test file itself.
import { spawnSync } from 'node:child_process';

export function checkWithPromtool(text: string): { ran: boolean; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    if (process.env.CONFLAG_PROMTOOL === 'absent') {
      console.log('promtool: not installed on this machine (CONFLAG_PROMTOOL=absent); the text was checked by the test\'s own parser only');
      return { ran: false, output: '' };
    }
    throw new Error('promtool is not installed: apt-get install prometheus (Debian), or set CONFLAG_PROMTOOL=absent on a machine that cannot have it');
  }
  if (result.error) throw result.error;
  const output = `${result.stdout}${result.stderr}`.trim();
  if (result.status !== 0) throw new Error(`promtool check metrics exited ${result.status}:\n${output}`);
  return { ran: true, output };
}

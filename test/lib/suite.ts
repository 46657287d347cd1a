// uvu's suite with hooks that cannot fail silently: a throwing before/after hook prints "hook failed:" and
// makes the process exit non-zero, which test/lib/runTestFile.ts turns into a failure (uvu 0.5.6 would exit 0).
import { suite as uvuSuite, type Callback, type Test } from 'uvu';

let hookFailed = false;
// uvu assigns process.exitCode at the end of its run, so the failure is re-asserted on exit.
process.on('exit', () => {
  if (hookFailed) process.exitCode = 1;
});

/** Before-hooks rethrow so the suite's tests do not run (uvu then counts them as not passed); an `after` hook
 * failure is reported and swallowed so uvu still prints its summary. */
function guard<T>(suiteName: string, kind: string, hook: Callback<T>, rethrow = true): Callback<T> {
  return async (context) => {
    try {
      await hook(context);
    } catch (error) {
      hookFailed = true;
      console.error(`\nhook failed: ${kind} of suite "${suiteName}":`, error);
      if (rethrow) throw error;
    }
  };
}

export function suite<T = Record<string, unknown>>(name: string, context?: T): Test<T> {
  const test = uvuSuite<T>(name, context);
  const { before, after } = test;
  const wrappedBefore = ((hook: Callback<T>) => before(guard(name, 'before', hook))) as Test<T>['before'];
  wrappedBefore.each = (hook) => before.each(guard(name, 'before.each', hook));
  const wrappedAfter = ((hook: Callback<T>) => after(guard(name, 'after', hook, false))) as Test<T>['after'];
  wrappedAfter.each = (hook) => after.each(guard(name, 'after.each', hook));
  test.before = wrappedBefore;
  test.after = wrappedAfter;
  return test;
}

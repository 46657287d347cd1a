// The test harness must turn uvu 0.5.6's silent failures into failed runs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { runTestFile } from '../lib/runTestFile.ts';
import { suite } from '../lib/suite.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const fixture = (name: string) => path.join(fixtures, `${name}.fixture.ts`);
const test = suite('test harness');

test('counts passed and failed tests of a file', async () => {
  const result = await runTestFile(fixture('allPass'));
  assert.is(result.passed, 2);
  assert.is(result.failed, 1);
  assert.equal(result.problems, []);
});

test('a throwing before hook fails the file (uvu alone exits 0)', async () => {
  const result = await runTestFile(fixture('beforeHookThrows'));
  assert.is(result.passed, 0);
  assert.is(result.failed, 1);
  assert.ok(result.problems.some((p) => p.includes('hook failed')), result.problems.join('; '));
});

test('plain uvu with a throwing before hook still counts its tests as failed', async () => {
  const result = await runTestFile(fixture('rawUvuBeforeThrows'));
  assert.is(result.passed, 0);
  assert.is(result.failed, 2);
});

test('a throwing after hook fails the file even when every test passed', async () => {
  const result = await runTestFile(fixture('afterHookThrows'));
  assert.is(result.passed, 1);
  assert.is(result.failed, 1);
  assert.ok(result.problems.some((p) => p.includes('hook failed')), result.problems.join('; '));
});

test('an open handle after the summary is a failure, and the process is killed', async () => {
  const result = await runTestFile(fixture('openHandle'), { exitGraceMs: 1500 });
  assert.is(result.passed, 1);
  assert.is(result.failed, 1);
  assert.ok(result.problems.some((p) => p.includes('open handle')), result.problems.join('; '));
});

test.run();

// The CF0xx/CF1xx codes agree across src/errors.ts, docs/errors.md and the SQL that raises them; so do the CF4xx
// codes of the recordings table and its attributes, some of which TypeScript raises.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { SQLSTATE } from '../../src/errors.ts';
import { loadSqlFiles } from '../../src/db/sqlFiles.ts';
import { suite } from '../lib/suite.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const test = suite('jobs: error catalog');

const ours = (code: string) => /^CF[01]\d\d$/.test(code);

test('every CF0xx/CF1xx code is named once in src/errors.ts, documented and raised by sql/', () => {
  const codes = Object.values(SQLSTATE as Record<string, string>).filter(ours);
  assert.ok(codes.length >= 20, `codes: ${codes}`);
  assert.is(new Set(codes).size, codes.length, 'no code has two names');
  const doc = fs.readFileSync(path.join(root, 'docs', 'errors.md'), 'utf8');
  const sqlText = loadSqlFiles().map((f) => f.text).join('\n');
  for (const [name, code] of Object.entries(SQLSTATE as Record<string, string>).filter(([, c]) => ours(c))) {
    assert.ok(doc.includes(`| \`${code}\` | \`${name}\` |`), `docs/errors.md documents ${code} (${name})`);
    assert.ok(sqlText.includes(`ERRCODE = '${code}'`), `sql/ raises ${code} (${name})`);
  }
  const raised = new Set([...sqlText.matchAll(/ERRCODE = '(CF\d{3})'/g)].map((m) => m[1]).filter(ours));
  assert.equal([...raised].filter((c) => !codes.includes(c)), [], 'every code raised in sql/ is named in src/errors.ts');
});

test('every CF4xx code is named once in src/errors.ts, documented, and raised by sql/ or src/', () => {
  const recordings = (code: string) => /^CF4\d\d$/.test(code);
  const named = Object.entries(SQLSTATE as Record<string, string>).filter(([, c]) => recordings(c));
  assert.ok(named.length >= 15, `codes: ${named.map(([, c]) => c)}`);
  const doc = fs.readFileSync(path.join(root, 'docs', 'errors.md'), 'utf8');
  const sqlText = loadSqlFiles().map((f) => f.text).join('\n');
  const srcText = fs.readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && f !== 'errors.ts').map((f) => fs.readFileSync(path.join(root, 'src', f), 'utf8')).join('\n');
  for (const [name, code] of named) {
    assert.ok(doc.includes(`| \`${code}\` | \`${name}\` |`), `docs/errors.md documents ${code} (${name})`);
    assert.ok(sqlText.includes(`ERRCODE = '${code}'`) || srcText.includes(`SQLSTATE.${name}`), `${code} (${name}) is raised somewhere`);
  }
  const raised = new Set([...sqlText.matchAll(/ERRCODE = '(CF\d{3})'/g)].map((m) => m[1]).filter(recordings));
  assert.equal([...raised].filter((c) => !named.some(([, n]) => n === c)), [], 'every CF4xx code raised in sql/ is named in src/errors.ts');
});

test.run();

// The parts of the job pages that need no browser: the bind/token configuration and its refusals, the token
// check, the condition in words (the schedule in words: test/schedule/describeSchedule.test.ts).
import * as assert from 'uvu/assert';
import { loadCatalog } from '../../src/condition/loadCatalog.ts';
import { describeCondition } from '../../src/pages/describeCondition.ts';
import { recordingKey } from '../../src/pages/pageRoutes.ts';
import { readPagesConfig } from '../../src/pages/pagesConfig.ts';
import { presentedToken, tokenMatches } from '../../src/pages/tokenCheck.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';

const test = suite('pages: configuration, token, words');
test.after(closePools);
const TOKEN = 'a-token-of-twenty-chars';

test('loopback by default; elsewhere only with a token of at least 16 characters', () => {
  assert.equal(readPagesConfig({}), { host: '127.0.0.1', token: null });
  assert.equal(readPagesConfig({ CONFLAG_HTTP_HOST: '::1' }), { host: '::1', token: null });
  assert.equal(readPagesConfig({ CONFLAG_HTTP_HOST: '0.0.0.0', CONFLAG_HTTP_TOKEN: TOKEN }), { host: '0.0.0.0', token: TOKEN });
  assert.throws(() => readPagesConfig({ CONFLAG_HTTP_HOST: '0.0.0.0' }), /CONFLAG_HTTP_HOST="0.0.0.0" serves the job pages beyond this machine, so CONFLAG_HTTP_TOKEN must be set/);
  assert.throws(() => readPagesConfig({ CONFLAG_HTTP_TOKEN: 'short' }), /CONFLAG_HTTP_TOKEN is too short; use at least 16 characters/);
});

test('the token is taken from Bearer or from the password of Basic, and must match exactly', () => {
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  assert.is(presentedToken(`Bearer ${TOKEN}`), TOKEN);
  assert.is(presentedToken(basic('anyone', TOKEN)), TOKEN);
  assert.is(presentedToken(undefined), undefined);
  assert.is(presentedToken('Digest abc'), undefined);
  assert.ok(tokenMatches(`Bearer ${TOKEN}`, TOKEN));
  assert.ok(tokenMatches(basic('ops', TOKEN), TOKEN));
  for (const wrong of [undefined, '', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, basic(TOKEN, 'x'), `Bearer ${TOKEN.toUpperCase()}`]) {
    assert.not.ok(tokenMatches(wrong, TOKEN), String(wrong));
  }
});

test('a recording is named in the path by its key as a JSON array, or by a bare number', () => {
  assert.is(recordingKey('42'), '[42]');
  assert.is(recordingKey('[42]'), '[42]');
  assert.is(recordingKey('["a", 1]'), '["a",1]');
  for (const bad of ['x', '{}', '[]', '[null]', '[[1]]', '[1,2,3,4,5]', '-1']) assert.is(recordingKey(bad), undefined, bad);
});

test('conditions as nested lines, with units', async () => {
  const catalog = await loadCatalog(openPool());
  const condition = {
    all: [
      { fact: 'duration', operator: 'greaterThan', value: 7200 },
      { any: [{ fact: 'tags', operator: 'contains', value: 'vip' }, { not: { fact: 'direction', operator: 'in', value: ['inbound', 'internal'] } }] },
      { fact: 'age_days', operator: 'between', value: [1, 30] },
    ],
  };
  assert.equal(describeCondition(condition, catalog), {
    text: 'all of',
    children: [
      { text: 'duration greater than 7\u2009200 s (2 h)', children: [] },
      { text: 'any of', children: [
        { text: 'tags contains "vip"', children: [] },
        { text: 'not', children: [{ text: 'direction is one of "inbound", "internal"', children: [] }] },
      ] },
      { text: 'age_days between 1 days and 30 days', children: [] },
    ],
  });
});

test.run();

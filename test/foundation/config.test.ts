// Environment settings: defaults, and a refusal that names the variable, the value and what is allowed.
import * as assert from 'uvu/assert';
import { readConfig } from '../../src/config.ts';
import { suite } from '../lib/suite.ts';

const test = suite('config');

test('defaults: embedded database in .conflag on 54329, HTTP on 8080', () => {
  const config = readConfig({}, '/srv/conflag');
  assert.equal(config, { databaseUrl: undefined, dataDir: '/srv/conflag/.conflag', embeddedPort: 54329, httpPort: 8080 });
});

test('PORT=0 asks for a free port; a bad port is refused with the range', () => {
  assert.is(readConfig({ PORT: '0' }).httpPort, 0);
  assert.throws(() => readConfig({ PORT: 'http' }), /PORT="http" is not valid; use a whole number from 0 to 65535 \(default 8080\)/);
  assert.throws(() => readConfig({ CONFLAG_PG_PORT: '70000' }), /CONFLAG_PG_PORT="70000" is not valid; use a whole number from 0 to 65535/);
});

test.run();

// Environment settings: defaults, a refusal that names the variable, the value and what is allowed, and where the
// embedded PostgreSQL keeps its data (src/db/dataFolder.ts) for a normal user, for root, and for root in a
// private folder such as `mktemp -d` makes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { readConfig } from '../../src/config.ts';
import { chooseDataFolder, sharedDataFolder, SHARED_DATA_ROOT } from '../../src/db/dataFolder.ts';
import { existingPostgresUser } from '../../src/db/postgresUser.ts';
import { suite } from '../lib/suite.ts';

const test = suite('config');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'conflag-config-'));
fs.chmodSync(tmp, 0o755);
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function folder(name: string, mode: number): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { mode });
  fs.chmodSync(dir, mode);
  return dir;
}

test('defaults: embedded database in .conflag on 54329, HTTP on 8080, both ports movable', () => {
  const config = readConfig({}, '/srv/conflag', { root: false });
  assert.equal(config, {
    databaseUrl: undefined,
    data: { dir: '/srv/conflag/.conflag', source: 'project' },
    embeddedPort: { port: 54329, fixed: false },
    httpPort: { port: 8080, fixed: false },
  });
});

test('a port set by its variable is fixed; PORT=0 asks for a free port; a bad port is refused with the range', () => {
  const config = readConfig({ PORT: '0', CONFLAG_PG_PORT: '5433' }, '/srv/conflag', { root: false });
  assert.equal([config.httpPort, config.embeddedPort], [{ port: 0, fixed: true }, { port: 5433, fixed: true }]);
  assert.throws(() => readConfig({ PORT: 'http' }), /PORT="http" is not valid; use a whole number from 0 to 65535 \(default 8080\)/);
  assert.throws(() => readConfig({ CONFLAG_PG_PORT: '70000' }), /CONFLAG_PG_PORT="70000" is not valid; use a whole number from 0 to 65535/);
});

test('data folder: CONFLAG_DATA_DIR as given; .conflag for a normal user, also in a private folder', () => {
  const open = folder('open', 0o755);
  const closed = folder('closed', 0o700);
  assert.equal(chooseDataFolder({ configured: 'data', cwd: closed, root: true }), { dir: path.join(closed, 'data'), source: 'CONFLAG_DATA_DIR' });
  assert.equal(chooseDataFolder({ configured: undefined, cwd: closed, root: false }), { dir: path.join(closed, '.conflag'), source: 'project' });
  assert.equal(chooseDataFolder({ configured: undefined, cwd: open, root: false }), { dir: path.join(open, '.conflag'), source: 'project' });
});

test('data folder as root: .conflag where user postgres can reach it, else a per-project folder derived from the path', () => {
  const user = existingPostgresUser() ?? { uid: 99_999, gid: 99_999 };
  const open = folder('root-open', 0o755);
  const closed = folder('root-closed', 0o700);
  const other = folder('root-closed-2', 0o700);
  assert.equal(chooseDataFolder({ configured: undefined, cwd: open, root: true, user }), { dir: path.join(open, '.conflag'), source: 'project' });
  const chosen = chooseDataFolder({ configured: undefined, cwd: closed, root: true, user });
  assert.equal(chosen, { dir: sharedDataFolder(path.join(closed, '.conflag')), source: 'private project' });
  assert.ok(chosen.dir.startsWith(`${SHARED_DATA_ROOT}/root-closed-`), chosen.dir);
  assert.match(path.basename(chosen.dir), /^root-closed-[0-9a-f]{12}$/);
  // Stable for the same folder (a second shell finds it), different for another.
  assert.is(chooseDataFolder({ configured: undefined, cwd: closed, root: true, user }).dir, chosen.dir);
  assert.is.not(chooseDataFolder({ configured: undefined, cwd: other, root: true, user }).dir, chosen.dir);
  // A folder owned by the postgres user (or its group) is reachable through the owner (group) bit.
  const owned = folder('owned', 0o710);
  fs.chownSync(owned, 0, user.gid);
  assert.is(chooseDataFolder({ configured: undefined, cwd: owned, root: true, user }).source, 'project');
});

test.run();

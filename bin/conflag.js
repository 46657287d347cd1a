#!/usr/bin/env node
// The package's bin. Plain JavaScript on purpose: it must run (and explain itself) on an old Node
// before any TypeScript is loaded.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `conflag needs Node.js 22.12 or newer; this is ${process.version} (${process.execPath}).\n` +
      'Install a current Node (for example: npm install --prefix "$HOME/.cache/node24" node@24 and put ' +
      '"$HOME/.cache/node24/node_modules/.bin" first on PATH), then run the command again.',
  );
  process.exit(1);
}

// Node 22.12–22.17 strips types only behind a flag; re-exec once with it rather than ship a build step.
if (!process.features.typescript) {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', self, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  // Signals sent to this process (a supervisor's SIGTERM) must reach the real service. Ctrl-C on a terminal
  // already reaches the whole process group, so SIGINT is forwarded only when not attached to one.
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  process.on('SIGHUP', () => child.kill('SIGHUP'));
  process.on('SIGINT', () => {
    if (!process.stdin.isTTY) child.kill('SIGINT');
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
} else {
  const { dropOutputOnClosedPipe } = await import('../src/cli/closedPipe.ts');
  dropOutputOnClosedPipe(process.stdout);
  dropOutputOnClosedPipe(process.stderr);
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}

// `conflag <argv>` through the real CLI entry point (main) in this process, its output captured: for tests that
// check what a command prints and its exit code without spawning a process.
import { main } from '../../src/cli/main.ts';

export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = { write: (c: string) => ((out += c), true) } as unknown as NodeJS.WritableStream;
  const stderr = { write: (c: string) => ((err += c), true) } as unknown as NodeJS.WritableStream;
  const code = await main(argv, { stdout, stderr });
  return { code, out, err };
}

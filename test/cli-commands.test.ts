// The one `argmin` binary carries every process the product runs: what a Deployment's `args` or a
// user's shell names must be a command of cli/main.ts, not only a module a test imports.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const TSX = path.resolve('node_modules/.bin/tsx');
const MAIN = path.resolve('cli/main.ts');

describe('argmin', () => {
  it.each([
    ['attribute', '--format'],
    ['validate', '--skip-sources'],
    ['operator', '--lease-name'],
    ['interceptor', '--listen'],
    ['api', '--listen'],
  ])('offers `argmin %s` with %s', async (command, flag) => {
    const { stdout } = await run(TSX, [MAIN, command, '--help']);
    expect(stdout).toContain(`Usage: argmin ${command}`);
    expect(stdout).toContain(flag);
  });
});

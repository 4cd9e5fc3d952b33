import { mkdir, mkdtemp, rm, symlink, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BearerTokens, TokenFileError } from './bearer-tokens.js';

const TOKEN_A = 'a3f1c9e07b5d4a2e8c6f0b1d9e7a5c3f';
const TOKEN_B = 'Zm9vYmFyYmF6cXV4cXV1eA-_.~+/==';

let dir: string;
let tokens: BearerTokens | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-tokens-'));
});
afterEach(async () => {
  tokens?.close();
  tokens = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** The layout kubelet gives a mounted Secret: keys are links into a timestamped folder. */
async function mountSecret(data: Record<string, string>, generation: number): Promise<void> {
  const version = `..2026_10_03_10_00_0${generation}`;
  await mkdir(join(dir, version));
  for (const [key, value] of Object.entries(data)) await writeFile(join(dir, version, key), value);
  await symlink(version, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const key of Object.keys(data)) {
    await symlink(join('..data', key), join(dir, key)).catch(() => undefined);
  }
}

describe('BearerTokens', () => {
  it('accepts the tokens of a file, one a line, comments and blank lines aside', async () => {
    const file = join(dir, 'tokens');
    await writeFile(file, `# sdk clients\n${TOKEN_A}\n\n  ${TOKEN_B}  \n`);
    tokens = await BearerTokens.open(file);
    expect(tokens.count).toBe(2);
    expect(tokens.authenticate(`Bearer ${TOKEN_A}`)).toBe(`${file}:2`);
    expect(tokens.authenticate(`bearer ${TOKEN_B}`)).toBe(`${file}:4`);
  });

  it.each([
    ['no header', undefined],
    ['an unknown token', `Bearer ${TOKEN_A.replace('a', 'b')}`],
    ['a prefix of a known token', `Bearer ${TOKEN_A.slice(0, -1)}`],
    ['another scheme', `Basic ${TOKEN_A}`],
    ['the token without a scheme', TOKEN_A],
    ['an empty bearer', 'Bearer '],
  ])('refuses %s', (_, header) => {
    tokens = BearerTokens.of([TOKEN_A]);
    expect(tokens.authenticate(header)).toBeUndefined();
  });

  it('reads a mounted Kubernetes Secret, one token per key, skipping its own dot-entries', async () => {
    await mountSecret({ 'sdk-clients': TOKEN_A, 'batch-jobs': TOKEN_B }, 1);
    tokens = await BearerTokens.open(dir);
    expect(tokens.count).toBe(2);
    expect(tokens.authenticate(`Bearer ${TOKEN_B}`)).toBe(`${join(dir, 'batch-jobs')}:1`);
  });

  it('picks up a rotated Secret on reload, and keeps the last good tokens when it breaks', async () => {
    await mountSecret({ clients: TOKEN_A }, 1);
    tokens = await BearerTokens.open(dir);

    await mountSecret({ clients: TOKEN_B }, 2);
    await tokens.reload();
    expect(tokens.authenticate(`Bearer ${TOKEN_B}`)).toBeDefined();
    expect(tokens.authenticate(`Bearer ${TOKEN_A}`)).toBeUndefined();

    await mountSecret({ clients: 'short' }, 3);
    await tokens.reload();
    expect(tokens.authenticate(`Bearer ${TOKEN_B}`)).toBeDefined();
  });

  it.each([
    ['a short token', 'short\n', 'TOKEN_INVALID', ':1: a token must have 16'],
    ['a token with a space', `# x\n${TOKEN_A} ${TOKEN_A}\n`, 'TOKEN_INVALID', ':2: a token may'],
    ['only comments', '# nothing yet\n', 'NO_TOKENS', ': holds no bearer token'],
  ])('refuses to start on a file with %s, saying where', async (_, text, code, message) => {
    const file = join(dir, 'tokens');
    await writeFile(file, text);
    const err = await BearerTokens.open(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenFileError);
    expect((err as TokenFileError).code).toBe(code);
    expect((err as TokenFileError).message).toContain(`${file}${message}`);
    expect((err as TokenFileError).message).not.toContain(TOKEN_A);
  });

  it('refuses to start when the source is missing', async () => {
    const err = await BearerTokens.open(join(dir, 'absent')).catch((e: unknown) => e);
    expect((err as TokenFileError).code).toBe('TOKEN_SOURCE_UNREADABLE');
    expect((err as TokenFileError).message).toContain('ENOENT');
  });
});

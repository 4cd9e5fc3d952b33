// The bearer tokens that may post events, read from a file (one token a line) or from a mounted
// Kubernetes Secret (a folder with one file per key). Only SHA-256 digests are kept in memory, and a
// presented token is compared with every digest in constant time, so neither the process's memory
// nor the answer's timing gives a token away.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** Shorter tokens can be guessed; a Secret generated with `openssl rand -hex 32` has 64. */
export const TOKEN_MIN_LENGTH = 16;
export const TOKEN_MAX_LENGTH = 4096;
/** Kubernetes refreshes a mounted Secret within about a minute; checking as often costs nothing. */
export const TOKEN_RELOAD_INTERVAL_MS = 30_000;

// RFC 6750's b64token: what may follow "Bearer " in an Authorization header.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export type TokenFileErrorCode = 'TOKEN_SOURCE_UNREADABLE' | 'TOKEN_INVALID' | 'NO_TOKENS';

export class TokenFileError extends Error {
  constructor(
    readonly code: TokenFileErrorCode,
    readonly file: string,
    readonly line: number | null,
    reason: string,
  ) {
    super(`${file}${line === null ? '' : `:${line}`}: ${reason}`);
    this.name = 'TokenFileError';
  }
}

/** Decides whether an Authorization header carries a known token. */
export interface Authenticator {
  /** The name of the matching token (its file and line, never the token), or undefined. */
  authenticate(authorization: string | undefined): string | undefined;
}

interface Digest {
  name: string;
  sha256: Buffer;
}

export class BearerTokens implements Authenticator {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly path: string,
    private digests: Digest[],
    private readonly logger: Logger | undefined,
  ) {}

  /** Reads the tokens at `path`, failing when there are none; then rereads them now and then. */
  static async open(
    path: string,
    options: { logger?: Logger; reloadIntervalMs?: number } = {},
  ): Promise<BearerTokens> {
    const tokens = new BearerTokens(path, await readDigests(path), options.logger);
    tokens.timer = setInterval(
      () => void tokens.reload(),
      options.reloadIntervalMs ?? TOKEN_RELOAD_INTERVAL_MS,
    );
    tokens.timer.unref();
    return tokens;
  }

  /** Tokens given directly, for embedding and tests; they are hashed like any others. */
  static of(tokens: string[]): BearerTokens {
    return new BearerTokens(
      '(given)',
      tokens.map((token, i) => ({ name: `token ${i + 1}`, sha256: sha256(token) })),
      undefined,
    );
  }

  get count(): number {
    return this.digests.length;
  }

  authenticate(authorization: string | undefined): string | undefined {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const presented = sha256(match[1]!);
    let found: string | undefined;
    // No early exit: the time taken must not tell which token, if any, came close.
    for (const digest of this.digests) {
      if (timingSafeEqual(presented, digest.sha256)) found ??= digest.name;
    }
    return found;
  }

  /** Rereads the tokens; a source that has become unreadable or empty keeps the previous set. */
  async reload(): Promise<void> {
    try {
      this.digests = await readDigests(this.path);
    } catch (err) {
      const e = err as TokenFileError;
      this.logger?.warn({ path: this.path, code: e.code, error: e.message }, 'tokens not reloaded');
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

async function readDigests(path: string): Promise<Digest[]> {
  const files = await tokenFiles(path);
  const digests: Digest[] = [];
  for (const file of files) digests.push(...(await readTokenFile(file)));
  if (digests.length === 0) {
    throw new TokenFileError('NO_TOKENS', path, null, 'holds no bearer token');
  }
  return digests;
}

/** A file is itself; a folder is a mounted Secret, whose dot-entries are Kubernetes' own. */
async function tokenFiles(path: string): Promise<string[]> {
  try {
    if (!(await stat(path)).isDirectory()) return [path];
    const files: string[] = [];
    for (const name of (await readdir(path)).sort()) {
      if (name.startsWith('.')) continue;
      if ((await stat(join(path, name))).isFile()) files.push(join(path, name));
    }
    return files;
  } catch (err) {
    throw unreadable(path, err);
  }
}

async function readTokenFile(file: string): Promise<Digest[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw unreadable(file, err);
  }
  const digests: Digest[] = [];
  text.split('\n').forEach((raw, i) => {
    const token = raw.trim();
    if (token === '' || token.startsWith('#')) return;
    const line = i + 1;
    if (token.length < TOKEN_MIN_LENGTH || token.length > TOKEN_MAX_LENGTH) {
      const bounds = `${TOKEN_MIN_LENGTH} to ${TOKEN_MAX_LENGTH}`;
      throw new TokenFileError(
        'TOKEN_INVALID',
        file,
        line,
        `a token must have ${bounds} characters`,
      );
    }
    if (!B64TOKEN.test(token)) {
      const reason = 'a token may hold only letters, digits and -._~+/ (and trailing =)';
      throw new TokenFileError('TOKEN_INVALID', file, line, reason);
    }
    digests.push({ name: `${file}:${line}`, sha256: sha256(token) });
  });
  return digests;
}

function unreadable(file: string, err: unknown): TokenFileError {
  const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
  return new TokenFileError('TOKEN_SOURCE_UNREADABLE', file, null, `cannot be read (${code})`);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

// Starts `argmin api` as a process of its own (test/api/api-process.ts) and waits until it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const ENTRY = new URL('./api-process.ts', import.meta.url).pathname;

export interface ApiProcess {
  child: ChildProcess;
  /** The base URL it listens on. */
  address: string;
}

/** Runs `argmin api --listen 127.0.0.1:0 --token-file <tokenFile> <args>` against `databaseUrl`. */
export async function spawnApi(
  databaseUrl: string,
  tokenFile: string,
  args: string[] = [],
): Promise<ApiProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ENTRY, '--listen', '127.0.0.1:0', '--token-file', tokenFile, ...args],
    { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  for await (const line of createInterface({ input: child.stdout! })) {
    const record = JSON.parse(line) as { msg?: string; address?: string };
    if (record.msg === 'ingestion api listening') {
      // Drain what it logs from now on, so that it never blocks on a full pipe.
      child.stdout!.resume();
      return { child, address: record.address! };
    }
  }
  throw new Error(`argmin api exited (${child.exitCode}) before it listened`);
}

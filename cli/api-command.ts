// `argmin api --listen <host:port>`: the ingestion API, until SIGTERM or SIGINT. It needs a real
// PostgreSQL (DATABASE_URL): the embedded store lives in memory, and a 2xx must outlast the process.
import { Command, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import {
  BearerTokens,
  openCopySink,
  DEFAULT_LIMITS,
  startApi,
  storeSink,
  type ApiLimits,
  type CopySink,
} from '../api/index.js';
import { Store } from '../attribution/index.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export class ApiCommandError extends Error {
  constructor(
    readonly code: 'DATABASE_URL_MISSING' | 'TLS_PAIR_INCOMPLETE',
    message: string,
  ) {
    super(message);
    this.name = 'ApiCommandError';
  }
}

/** `host:port`, `[v6]:port` or `:port` (every interface). */
export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65_535) {
    throw new InvalidArgumentError('expected host:port, [ipv6]:port or :port');
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError('expected a positive whole number');
  }
  return n;
}

interface ApiCommandOptions {
  listen: ListenAddress;
  tokenFile: string;
  tlsCert?: string;
  tlsKey?: string;
  maxBodyBytes?: number;
  maxEvents?: number;
  maxQueuedEvents?: number;
  maxBatchEvents?: number;
  writeConcurrency?: number;
  writeTimeoutMs?: number;
  retryAfterSeconds?: number;
  writeMethod: 'copy' | 'insert';
  logLevel: string;
}

export function apiCommand(): Command {
  return new Command('api')
    .description(
      'Serve the ingestion API: request-level usage events over HTTP(S), into DATABASE_URL',
    )
    .addOption(
      new Option('--listen <host:port>', 'address to listen on')
        .argParser(parseListen)
        .default(parseListen('0.0.0.0:8080'), '0.0.0.0:8080'),
    )
    .addOption(
      new Option(
        '--token-file <path>',
        'bearer tokens: a file with one a line, or a mounted Secret folder with one a key',
      )
        .env('ARGMIN_API_TOKEN_FILE')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--tls-cert <path>', 'PEM certificate chain; serves HTTPS with --tls-key'),
    )
    .addOption(new Option('--tls-key <path>', 'PEM private key of --tls-cert'))
    .addOption(
      new Option('--max-body-bytes <n>', 'largest request body').argParser(positiveInteger),
    )
    .addOption(
      new Option('--max-events <n>', 'most events in one request').argParser(positiveInteger),
    )
    .addOption(
      new Option(
        '--max-queued-events <n>',
        'events that may wait for the store before 503s',
      ).argParser(positiveInteger),
    )
    .addOption(
      new Option('--max-batch-events <n>', 'most events in one insert').argParser(positiveInteger),
    )
    .addOption(
      new Option('--write-concurrency <n>', 'inserts in flight at once').argParser(positiveInteger),
    )
    .addOption(
      new Option('--write-timeout-ms <n>', 'wait for a commit before answering 503').argParser(
        positiveInteger,
      ),
    )
    .addOption(
      new Option('--retry-after-seconds <n>', 'Retry-After of a 503').argParser(positiveInteger),
    )
    .addOption(
      new Option(
        '--write-method <method>',
        'COPY, falling back to INSERT on repeated ids; or INSERT',
      )
        .choices(['copy', 'insert'])
        .default('copy'),
    )
    .addOption(
      new Option('--log-level <level>', 'pino log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
        .default('info'),
    )
    .action(async (options: ApiCommandOptions) => serve(options));
}

async function serve(options: ApiCommandOptions): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    throw new ApiCommandError(
      'DATABASE_URL_MISSING',
      'the ingestion API needs DATABASE_URL: the embedded store is in memory and would lose events',
    );
  }
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new ApiCommandError('TLS_PAIR_INCOMPLETE', '--tls-cert and --tls-key go together');
  }
  const logger = pino({ level: options.logLevel, base: { process: 'argmin-api' } });
  const limits: Partial<ApiLimits> = {
    maxBodyBytes: options.maxBodyBytes,
    maxEventsPerRequest: options.maxEvents,
    maxQueuedEvents: options.maxQueuedEvents,
    maxBatchEvents: options.maxBatchEvents,
    writeConcurrency: options.writeConcurrency,
    writeTimeoutMs: options.writeTimeoutMs,
    retryAfterSeconds: options.retryAfterSeconds,
  };

  const tokens = await BearerTokens.open(options.tokenFile, { logger });
  let store: Store | undefined;
  let copy: CopySink | undefined;
  try {
    store = await Store.open(databaseUrl);
    if (options.writeMethod === 'copy') {
      const connections = limits.writeConcurrency ?? DEFAULT_LIMITS.writeConcurrency;
      copy = await openCopySink(databaseUrl, storeSink(store), { connections, logger });
    }
    logger.info({ writeMethod: copy?.copying ? 'copy' : 'insert' }, 'store open');
    const api = await startApi({
      host: options.listen.host,
      port: options.listen.port,
      sink: copy ?? storeSink(store),
      reports: store.sql,
      tokens,
      tls:
        options.tlsCert && options.tlsKey
          ? { certFile: options.tlsCert, keyFile: options.tlsKey }
          : undefined,
      limits,
      logger,
    });

    const signal = await stopSignal();
    logger.info({ signal }, 'ingestion api stopping');
    await api.close();
  } finally {
    tokens.close();
    await copy?.close();
    await store?.close();
  }
}

function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

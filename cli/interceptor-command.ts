// `argmin interceptor --listen <host:port|socket>`: Envoy's ext_authz and ext_proc services until
// SIGTERM or SIGINT, then a drain: health turns NOT_SERVING, open streams finish, queued events
// are stored. Storage is DATABASE_URL, or the embedded store (in memory) when it is unset.
import { Command, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import { Store } from '../attribution/index.js';
import { LOG_REDACT_PATHS, startInterceptor, type EventQueueOptions } from '../ext-authz/index.js';

/** Events per insert into the embedded store: a few milliseconds of this thread each. */
const EMBEDDED_STORE_BATCH_SIZE = 20;

interface InterceptorCommandOptions {
  listen: string;
  metricsListen?: string;
  queueCapacity?: number;
  batchSize?: number;
  drainTimeoutMs?: number;
  logLevel: string;
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError('expected a positive whole number');
  }
  return n;
}

export function interceptorCommand(): Command {
  return new Command('interceptor')
    .description(
      "Serve Envoy's ext_authz and ext_proc over gRPC: record who called which model and how many " +
        'tokens, never blocking a call',
    )
    .addOption(
      new Option('--listen <address>', 'host:port, or a Unix socket path for Envoy on the same pod')
        .env('ARGMIN_INTERCEPTOR_LISTEN')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--metrics-listen <host:port>', 'HTTP address of /metrics, /healthz and /readyz'),
    )
    .addOption(
      new Option(
        '--queue-capacity <events>',
        'events held while storage lags; the oldest go first',
      ).argParser(positiveInteger),
    )
    .addOption(
      new Option('--batch-size <events>', 'events stored per statement').argParser(positiveInteger),
    )
    .addOption(
      new Option(
        '--drain-timeout-ms <ms>',
        'how long open streams may run on after SIGTERM',
      ).argParser(positiveInteger),
    )
    .addOption(
      new Option('--log-level <level>', 'pino log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
        .default('info'),
    )
    .action(async (options: InterceptorCommandOptions) => serve(options));
}

async function serve(options: InterceptorCommandOptions): Promise<void> {
  const logger = pino({ level: options.logLevel, redact: LOG_REDACT_PATHS });
  const databaseUrl = process.env.DATABASE_URL;
  const queue: Partial<EventQueueOptions> = {};
  if (!databaseUrl) {
    // The embedded store runs its inserts on this thread, between answers: small batches keep
    // each pause short. It is for trying the interceptor out; deployments set DATABASE_URL.
    queue.batchSize = EMBEDDED_STORE_BATCH_SIZE;
    logger.warn(
      'DATABASE_URL is not set: events go to an embedded store, in memory, whose inserts share ' +
        "this process's thread with the answers",
    );
  }
  const store = await Store.open(databaseUrl);
  if (options.queueCapacity) queue.capacity = options.queueCapacity;
  if (options.batchSize) queue.batchSize = options.batchSize;
  try {
    const interceptor = await startInterceptor({
      listen: options.listen,
      metricsListen: options.metricsListen,
      store,
      logger,
      queue,
      drainTimeoutMs: options.drainTimeoutMs,
    });
    const signal = await untilSignal();
    logger.info({ signal }, 'draining');
    await interceptor.close();
  } finally {
    await store.close();
  }
}

function untilSignal(): Promise<NodeJS.Signals> {
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

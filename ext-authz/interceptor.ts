// The interceptor process: Envoy's ext_authz and ext_proc services and gRPC health on one server,
// the event queue behind them, and the metrics endpoint beside them.
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { UsageEvent } from '../attribution/index.js';
import { CallerRegistry } from './caller-registry.js';
import { CheckAnswers, checkHandler } from './check-handler.js';
import { systemClock, type Clock } from './clock.js';
import { loadInterceptorTypes } from './envoy-protos.js';
import { InterceptorError } from './errors.js';
import {
  DEFAULT_QUEUE_OPTIONS,
  EventQueue,
  type EventQueueOptions,
  type UsageEventSink,
} from './event-queue.js';
import { FailOpenReporter } from './fail-open.js';
import { authorizationService, externalProcessorService, HealthService } from './grpc-services.js';
import { InterceptorMetrics } from './metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { ProcessReplies, processHandler } from './process-handler.js';

/** Envoy buffers response bodies in chunks well below this; a larger message is answered too. */
const MAX_RECEIVE_MESSAGE_BYTES = 16 * 1024 * 1024;
const CALLER_REGISTRY_MAX_ENTRIES = 50_000;
/** Long enough for a long streamed completion to finish after its Check. */
const CALLER_MAX_AGE_MS = 15 * 60 * 1000;
const CALLER_SWEEP_INTERVAL_MS = 30_000;
const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
const QUEUE_FLUSH_ON_CLOSE_MS = 5_000;

export interface InterceptorOptions {
  /** `host:port` (port 0 picks a free one), or a Unix socket path (`/run/argmin.sock`, `unix:...`). */
  listen: string;
  store: UsageEventSink;
  logger: Logger;
  /** `host:port` for `/metrics`, `/healthz` and `/readyz`; no HTTP endpoint when absent. */
  metricsListen?: string;
  clock?: Clock;
  /** Makes request ids; 36 printable ASCII characters each (a UUID by default). */
  newRequestId?: () => string;
  queue?: Partial<EventQueueOptions>;
  metrics?: InterceptorMetrics;
  /** How long open streams may run on after shutdown begins. */
  drainTimeoutMs?: number;
}

export interface Interceptor {
  /** The gRPC address, as a client dials it: `127.0.0.1:port` or `unix:/path`. */
  address: string;
  metricsAddress?: string;
  metrics: InterceptorMetrics;
  /** Events waiting for storage. */
  queued(): number;
  /** Stops taking calls, lets open ones finish, stores what is queued. */
  close(): Promise<void>;
}

export async function startInterceptor(options: InterceptorOptions): Promise<Interceptor> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? new InterceptorMetrics();
  const failures = new FailOpenReporter(metrics, logger);
  const types = await loadInterceptorTypes();
  const { root } = types;

  const queue = new EventQueue(options.store, metrics, logger, {
    ...DEFAULT_QUEUE_OPTIONS,
    ...options.queue,
  });
  const callers = new CallerRegistry(clock, CALLER_REGISTRY_MAX_ENTRIES, CALLER_MAX_AGE_MS);
  const recording = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    recording.add(work);
    void work.finally(() => recording.delete(work));
  };
  const record = (event: UsageEvent) => queue.push(event);

  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES });
  const health = new HealthService();
  server.addService(authorizationService(root), {
    Check: checkHandler({
      answers: new CheckAnswers(types.checkResponse),
      checkRequest: types.checkRequest,
      callers,
      clock,
      metrics,
      failures,
      newRequestId: options.newRequestId,
    }),
  });
  server.addService(externalProcessorService(root), {
    Process: processHandler({
      replies: new ProcessReplies(types.processingResponse),
      processingRequest: types.processingRequest,
      metrics,
      failures,
      observer: { clock, callers, metrics, logger, record },
      track,
    }),
  });
  server.addService(health.definition, health.implementation);

  const address = await bind(server, options.listen);
  queue.start();
  const sweeper = setInterval(() => callers.sweep(), CALLER_SWEEP_INTERVAL_MS);
  sweeper.unref();

  let metricsServer: MetricsServer | undefined;
  if (options.metricsListen) {
    try {
      metricsServer = await startMetricsServer(
        options.metricsListen,
        metrics.registry,
        () => health.serving,
      );
    } catch (err) {
      server.forceShutdown();
      throw err;
    }
  }
  logger.info({ address, metricsAddress: metricsServer?.address }, 'interceptor listening');

  let closing: Promise<void> | undefined;
  const close = async () => {
    health.set('NOT_SERVING');
    health.endWatches();
    await shutdown(server, options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
    clearInterval(sweeper);
    await Promise.allSettled([...recording]);
    await queue.close(QUEUE_FLUSH_ON_CLOSE_MS);
    await metricsServer?.close();
    logger.info({ address }, 'interceptor stopped');
  };
  return {
    address,
    metricsAddress: metricsServer?.address,
    metrics,
    queued: () => queue.size,
    close: () => (closing ??= close()),
  };
}

async function bind(server: grpc.Server, listen: string): Promise<string> {
  const target = bindTarget(listen);
  if (target.socketPath) removeStaleSocket(target.socketPath);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(target.uri, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err
        ? reject(
            new InterceptorError('LISTEN_FAILED', `cannot listen on ${listen}: ${err.message}`),
          )
        : resolve(bound),
    );
  });
  if (target.socketPath) return `unix:${target.socketPath}`;
  return `${target.host}:${port}`;
}

interface BindTarget {
  uri: string;
  host?: string;
  socketPath?: string;
}

/** Reads `--listen`: a Unix socket path (with or without `unix:`) or `host:port`. */
export function bindTarget(listen: string): BindTarget {
  const value = listen.trim();
  if (value.startsWith('unix:') || value.includes('/')) {
    const socketPath = path.resolve(value.replace(/^unix:(\/\/)?/, ''));
    return { uri: `unix:${socketPath}`, socketPath };
  }
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(value);
  if (!match || Number(match[2]) > 65_535) {
    throw new InterceptorError(
      'BAD_LISTEN_ADDRESS',
      `--listen must be host:port or a Unix socket path, not "${listen}"`,
    );
  }
  const host = match[1]!;
  const dialHost = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;
  return { uri: `${host}:${match[2]}`, host: dialHost };
}

/** A socket file left by a process that did not shut down cleanly would block the bind. */
function removeStaleSocket(socketPath: string): void {
  if (existsSync(socketPath) && lstatSync(socketPath).isSocket()) unlinkSync(socketPath);
}

async function shutdown(server: grpc.Server, drainTimeoutMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, drainTimeoutMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

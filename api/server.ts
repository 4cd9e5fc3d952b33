// The ingestion API over HTTP(S): POST /v1/events answers 2xx only after the events are committed,
// and 503 with Retry-After whenever it cannot be sure they are, so a client that retries until it
// sees a 2xx loses nothing and, the request id being the key, doubles nothing.
import { readFile } from 'node:fs/promises';
import type { Server as HttpsServer } from 'node:https';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type onRequestHookHandler,
} from 'fastify';
import pino, { type Logger } from 'pino';
import type { Sql } from '../attribution/index.js';
import type { Authenticator } from './bearer-tokens.js';
import { BatchWriter, type EventSink } from './batch-writer.js';
import { ApiError } from './errors.js';
import { JSON_MEDIA_TYPE, NDJSON_MEDIA_TYPE, readEvents } from './event-batch.js';
import { resolveLimits, type ApiLimits } from './limits.js';
import { ApiMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { reportRoute } from './report-route.js';

/** A slow client may not hold a connection open longer than this to send one request. */
const REQUEST_TIMEOUT_MS = 30_000;
const READY_PING_TIMEOUT_MS = 1_000;
/** cert-manager renews well before expiry; a minute's delay in picking up a new pair is harmless. */
const TLS_RELOAD_INTERVAL_MS = 60_000;
const EVENTS_ROUTE = '/v1/events';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface ApiOptions {
  host: string;
  port: number;
  sink: EventSink;
  tokens: Authenticator;
  /** Serve HTTPS with this PEM certificate chain and key, reread when they change. */
  tls?: TlsFiles;
  limits?: Partial<ApiLimits>;
  logger?: Logger;
  /** The clock that decides which timestamps are in the future. */
  now?: () => Date;
  /** Recorded as the origin of every stored event. */
  origin?: string;
  /** How often the TLS files are reread. */
  tlsReloadIntervalMs?: number;
  /** The store attribution runs are read from for reports; without it, none are served. */
  reports?: Sql;
}

export interface RunningApi {
  /** The base URL it listens on, such as `https://127.0.0.1:8443`. */
  address: string;
  metrics: ApiMetrics;
  /** Stops taking requests, answers those in progress, and waits for their writes. */
  close(): Promise<void>;
}

export async function startApi(options: ApiOptions): Promise<RunningApi> {
  const limits = resolveLimits(options.limits);
  const logger = options.logger ?? pino();
  const now = options.now ?? (() => new Date());
  const metrics = new ApiMetrics();
  const origin = options.origin ?? 'api';
  const writer = new BatchWriter(options.sink, { ...limits, origin }, metrics, logger);

  const tls = options.tls ? await readTls(options.tls) : undefined;
  const app = Fastify({
    loggerInstance: logger,
    // Refusals and failures are logged below; two lines per request would drown them at this rate.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.maxBodyBytes,
    requestTimeout: REQUEST_TIMEOUT_MS,
    ...(tls ? { https: tls } : {}),
  }) as unknown as FastifyInstance;

  routes(app, { options, limits, writer, metrics, now });
  const address = await app.listen({ host: options.host, port: options.port });
  logger.info({ address, tls: tls !== undefined }, 'ingestion api listening');

  const tlsReloadMs = options.tlsReloadIntervalMs ?? TLS_RELOAD_INTERVAL_MS;
  const tlsTimer =
    options.tls && tls ? reloadTls(app, options.tls, tls, tlsReloadMs, logger) : undefined;
  return {
    address,
    metrics,
    async close() {
      clearInterval(tlsTimer);
      await app.close();
      await writer.drain();
    },
  };
}

interface RouteContext {
  options: ApiOptions;
  limits: ApiLimits;
  writer: BatchWriter;
  metrics: ApiMetrics;
  now: () => Date;
}

function routes(app: FastifyInstance, ctx: RouteContext): void {
  const { options, limits, writer, metrics } = ctx;

  // Bodies stay text until the event gate reads them: its errors name fields and positions, and a
  // JSON parser's own errors would quote the body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    [JSON_MEDIA_TYPE, NDJSON_MEDIA_TYPE],
    { parseAs: 'string' },
    (_request, body, done) => done(null, body),
  );

  // Before the body is read: a caller without a token costs no parsing.
  const authenticate: onRequestHookHandler = async (request) => {
    const token = options.tokens.authenticate(request.headers.authorization);
    if (token === undefined) {
      throw new ApiError('UNAUTHENTICATED', 'a valid bearer token is required');
    }
    request.log = request.log.child({ tokenName: token });
  };

  app.post(EVENTS_ROUTE, { onRequest: authenticate }, async (request) => {
    const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    const events = readEvents(
      String(request.body ?? ''),
      mediaType === NDJSON_MEDIA_TYPE ? 'ndjson' : 'json',
      { maxEvents: limits.maxEventsPerRequest, now: ctx.now() },
    );
    await writer.write(events);
    request.log.debug({ events: events.length }, 'events stored');
    return { accepted: events.length };
  });

  reportRoute(app, options.reports, authenticate);

  app.get('/openapi.json', async () => openApiDocument(limits));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (writer.saturated) return reply.code(503).send({ status: 'write queue full' });
    try {
      await withTimeout(options.sink.ping(), READY_PING_TIMEOUT_MS);
    } catch {
      return reply.code(503).send({ status: 'store unreachable' });
    }
    return { status: 'ready' };
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, code: reply.statusCode });
    metrics.requestSeconds.observe({ route }, reply.elapsedTime / 1000);
  });
  app.setNotFoundHandler(() => {
    throw new ApiError('NOT_FOUND', 'no such route');
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const error = toApiError(err, limits);
    const { field, event, line } = error.details;
    const fields = { code: error.code, route: request.routeOptions.url, field, event, line };
    if (error.statusCode >= 500) {
      const level = error.code === 'INTERNAL' ? 'error' : 'warn';
      request.log[level](
        { ...fields, error: error.code === 'INTERNAL' ? err.message : undefined },
        'request not served',
      );
    } else {
      request.log.info(fields, 'request refused');
    }
    if (error.details.retryAfterSeconds !== undefined) {
      reply.header('retry-after', String(error.details.retryAfterSeconds));
    }
    if (error.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer realm="argmin"');
    return reply.code(error.statusCode).send(error.toBody());
  });
}

function toApiError(err: FastifyError, limits: ApiLimits): ApiError {
  if (err instanceof ApiError) return err;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('BODY_TOO_LARGE', `the body is over ${limits.maxBodyBytes} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        `send ${JSON_MEDIA_TYPE} (an array of events) or ${NDJSON_MEDIA_TYPE} (one a line)`,
      );
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError('BAD_REQUEST', err.message);
  }
  return new ApiError('INTERNAL', 'internal error');
}

async function readTls(files: TlsFiles): Promise<{ cert: Buffer; key: Buffer }> {
  const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
  return { cert, key };
}

/** Rereads the certificate and key now and then, and serves a changed pair from then on. */
function reloadTls(
  app: FastifyInstance,
  files: TlsFiles,
  initial: { cert: Buffer; key: Buffer },
  intervalMs: number,
  logger: Logger,
): NodeJS.Timeout {
  let current = initial;
  const timer = setInterval(async () => {
    try {
      const next = await readTls(files);
      if (next.cert.equals(current.cert) && next.key.equals(current.key)) return;
      (app.server as unknown as HttpsServer).setSecureContext(next);
      current = next;
      logger.info({ certFile: files.certFile }, 'tls certificate reloaded');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      logger.warn({ certFile: files.certFile, code }, 'tls certificate not reloaded');
    }
  }, intervalMs);
  timer.unref();
  return timer;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

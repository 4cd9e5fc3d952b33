// One proxied call as ext_proc shows it: request headers, response headers, the response body in
// pieces. Out of these it builds one usage event, and hands it on once the call is over.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { parseUsageEvent, type UsageEvent } from '../attribution/index.js';
import { BodyReader, type Unreadable } from './body-reader.js';
import { callerFrom, type Caller } from './caller-identity.js';
import type { CallerRegistry, CheckedCall } from './caller-registry.js';
import type { Clock } from './clock.js';
import { errorMessage } from './event-queue.js';
import type { InterceptorMetrics } from './metrics.js';
import { providerRoute, type ProviderRoute } from './provider-route.js';
import { BEDROCK_USAGE_HEADERS, UsageAccumulator } from './usage-dialects.js';

export const REQUEST_ID_HEADER = 'x-argmin-request-id';
const FORWARDED_CLIENT_CERT_HEADER = 'x-forwarded-client-cert';
const MAX_ROUTE_CHARS = 256;
/** How long a compressed body may take to finish decoding once the call has ended. */
const BODY_DRAIN_TIMEOUT_MS = 2_000;

export interface ObserverDeps {
  clock: Clock;
  callers: CallerRegistry;
  metrics: InterceptorMetrics;
  logger: Logger;
  record(event: UsageEvent): void;
}

/** Envoy attributes (`request_attributes` / `response_attributes`) as plain strings. */
export type Attributes = ReadonlyMap<string, string>;
export type Headers = ReadonlyMap<string, string>;

export class CallObserver {
  private startedAtMs: number | undefined;
  private requestId: string | undefined;
  private route: ProviderRoute | null = null;
  private path = '';
  private host = '';
  private ownCaller: Caller | undefined;
  private routeName: string | undefined;
  private httpStatus: number | undefined;
  private usage: UsageAccumulator | undefined;
  private body: BodyReader | undefined;
  private bodyEnded = false;
  private finished = false;

  constructor(private readonly deps: ObserverDeps) {}

  requestHeaders(headers: Headers, attributes: Attributes): void {
    this.startedAtMs = this.deps.clock.now();
    this.host = headers.get(':authority') ?? headers.get('host') ?? '';
    this.path = (headers.get(':path') ?? '').split('?')[0]!.slice(0, MAX_ROUTE_CHARS);
    this.requestId =
      headers.get(REQUEST_ID_HEADER) ?? attributes.get('request.id') ?? headers.get('x-request-id');
    this.routeName = attributes.get('xds.route_name');
    this.ownCaller = callerFrom({
      principal: attributes.get('source.principal'),
      forwardedClientCert: headers.get(FORWARDED_CLIENT_CERT_HEADER),
      spiffeUri: attributes.get('connection.uri_san_peer_certificate'),
      sourceAddress: attributes.get('source.address'),
    });
    this.route = providerRoute(this.host, this.path);
    if (this.route) this.usage = new UsageAccumulator(this.route.dialect);
  }

  responseHeaders(headers: Headers, endOfStream: boolean): void {
    const status = Number(headers.get(':status'));
    if (Number.isInteger(status)) this.httpStatus = status;
    if (!this.usage) return;
    if (this.route?.dialect === 'bedrock-invoke') {
      for (const [name, slot] of Object.entries(BEDROCK_USAGE_HEADERS)) {
        const value = headers.get(name);
        if (value !== undefined) this.usage.count(slot, value);
      }
    }
    if (endOfStream) {
      this.bodyEnded = true;
      return;
    }
    this.body = new BodyReader(
      headers.get('content-type') ?? '',
      headers.get('content-encoding') ?? '',
      this.usage,
    );
  }

  responseBody(chunk: Uint8Array, endOfStream: boolean): void {
    this.body?.write(chunk);
    if (endOfStream) this.bodyEnded = true;
  }

  /** The stream is over, whole or not; records the event once. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (!this.route || this.startedAtMs === undefined) return;
    const endedAtMs = this.deps.clock.now();

    let unreadable: Unreadable | undefined;
    if (this.body) {
      if (!this.bodyEnded) this.body.abort();
      unreadable = await withDrainTimeout(this.body.end());
    }
    try {
      this.record(endedAtMs, unreadable);
    } catch (err) {
      this.deps.logger.error({ error: errorMessage(err) }, 'building a usage event failed');
    }
  }

  private record(endedAtMs: number, unreadable: Unreadable | undefined): void {
    const route = this.route!;
    const usage = this.usage!;
    const normalized = usage.normalize();
    const tokens = normalized.tokens;
    const usageState =
      Object.keys(tokens).length > 0 ? 'reported' : unreadable ? 'unreadable' : 'absent';

    const checked = this.requestId ? this.deps.callers.take(this.requestId) : undefined;
    if (!checked) this.deps.metrics.eventsUnmatched.inc();
    const caller = mergeCallers(checked, this.ownCaller);

    const attributes: Record<string, string> = { usage: usageState, ...normalized.attributes };
    if (unreadable) {
      attributes.unreadable = unreadable;
      this.deps.metrics.unreadableBodies.inc({ reason: unreadable });
    }
    if (normalized.inconsistent) attributes.inconsistent = 'true';
    if (!this.bodyEnded) attributes.complete = 'false';
    if (this.httpStatus !== undefined) attributes.httpStatus = String(this.httpStatus);
    if (route.deployment) attributes.deployment = route.deployment;
    const host = this.host || checked?.host;
    if (host) attributes.host = host.slice(0, MAX_ROUTE_CHARS);
    attributes.route = this.routeName ?? (this.path || checked?.route || '/');
    if (caller?.sourceAddress) attributes.sourceAddress = caller.sourceAddress;
    if (caller?.principal) attributes.principal = caller.principal;

    const event: UsageEvent = {
      requestId: this.requestId ?? randomUUID(),
      timestamp: new Date(this.startedAtMs!).toISOString(),
      provider: route.provider,
      model: usage.model ?? route.model ?? null,
      ...tokens,
      latencyMs: Math.max(0, endedAtMs - this.startedAtMs!),
      attributes,
    };
    if (this.httpStatus !== undefined) {
      event.status = this.httpStatus >= 200 && this.httpStatus < 400 ? 'ok' : 'error';
    }
    if (caller && Object.keys(caller.identity).length > 0) event.identity = caller.identity;
    if (route.region) event.region = route.region;
    if (route.account) event.account = route.account;

    const check = parseUsageEvent(event, { now: new Date(this.deps.clock.now()) });
    if (!check.ok) {
      this.deps.metrics.eventsRefused.inc();
      this.deps.logger.warn(
        { requestId: event.requestId, field: check.field, reason: check.reason },
        'usage event refused',
      );
      return;
    }
    this.deps.metrics.events.inc({ provider: route.provider, usage: usageState });
    this.deps.record(check.event);
  }
}

/** What Check saw wins over what ext_proc saw: it comes from the connection itself. */
function mergeCallers(
  checked: CheckedCall | undefined,
  own: Caller | undefined,
): Caller | undefined {
  if (!checked) return own;
  if (!own) return checked.caller;
  return {
    identity: { ...own.identity, ...checked.caller.identity },
    sourceAddress: checked.caller.sourceAddress ?? own.sourceAddress,
    principal: checked.caller.principal ?? own.principal,
  };
}

async function withDrainTimeout(
  ended: Promise<Unreadable | undefined>,
): Promise<Unreadable | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Unreadable>((resolve) => {
    timer = setTimeout(() => resolve('backlog'), BODY_DRAIN_TIMEOUT_MS);
  });
  try {
    return await Promise.race([ended, late]);
  } finally {
    clearTimeout(timer);
  }
}

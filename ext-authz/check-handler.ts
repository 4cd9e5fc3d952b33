// `Authorization/Check`: answer OK at once, with the request id header, and only then read who
// called. The answer is a template encoded at start-up with the id written into it, so nothing
// the request contains, and nothing the interceptor does with it, can delay or change the answer.
import { randomUUID } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { callerFrom } from './caller-identity.js';
import type { CallerRegistry } from './caller-registry.js';
import { REQUEST_ID_HEADER } from './call-observer.js';
import type { Clock } from './clock.js';
import type { FailOpenReporter } from './fail-open.js';
import type { InterceptorMetrics } from './metrics.js';

/** Request ids are UUIDs; the answer template has room for exactly this many characters. */
export const REQUEST_ID_CHARS = 36;
/** Checks larger than this are answered and counted, not decoded. */
const MAX_DECODED_CHECK_BYTES = 1024 * 1024;
const MAX_ROUTE_CHARS = 256;

export class CheckAnswers {
  private readonly template: Buffer;
  private readonly idOffset: number;
  /** OK without the header, for when even writing the id fails. */
  readonly plainOk: Buffer;

  constructor(checkResponse: protobuf.Type) {
    const placeholder = 'x'.repeat(REQUEST_ID_CHARS);
    const encode = (value: object) =>
      Buffer.from(checkResponse.encode(checkResponse.fromObject(value)).finish());
    // `status` is present with code 0 (OK): Envoy reads anything else as a denial.
    this.template = encode({
      status: { code: 0 },
      ok_response: {
        headers: [
          {
            header: { key: REQUEST_ID_HEADER, value: placeholder },
            append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
          },
        ],
      },
    });
    this.idOffset = this.template.indexOf(placeholder, 0, 'latin1');
    this.plainOk = encode({ status: { code: 0 }, ok_response: {} });
  }

  withRequestId(requestId: string): Buffer {
    if (requestId.length !== REQUEST_ID_CHARS || !/^[\x21-\x7e]+$/.test(requestId)) {
      throw new Error(`a request id must be ${REQUEST_ID_CHARS} printable ASCII characters`);
    }
    const answer = Buffer.from(this.template);
    answer.write(requestId, this.idOffset, 'latin1');
    return answer;
  }
}

export interface CheckDeps {
  answers: CheckAnswers;
  checkRequest: protobuf.Type;
  callers: CallerRegistry;
  clock: Clock;
  metrics: InterceptorMetrics;
  failures: FailOpenReporter;
  newRequestId?: () => string;
}

export function checkHandler(deps: CheckDeps): grpc.handleUnaryCall<Buffer, Buffer> {
  const newRequestId = deps.newRequestId ?? randomUUID;
  return (call, callback) => {
    const receivedAt = process.hrtime.bigint();
    let requestId: string | undefined;
    let answer = deps.answers.plainOk;
    try {
      requestId = newRequestId();
      answer = deps.answers.withRequestId(requestId);
    } catch (err) {
      requestId = undefined;
      deps.failures.answered('check', 'request-id', err);
    }
    callback(null, answer);
    deps.metrics.checkAnswerSeconds.observe(Number(process.hrtime.bigint() - receivedAt) / 1e9);
    deps.metrics.checks.inc();

    if (requestId === undefined) return;
    const id = requestId;
    setImmediate(() => {
      try {
        recordCheck(deps, call.request, id);
      } catch (err) {
        deps.failures.afterAnswer('check', err);
      }
    });
  };
}

interface DecodedCheck {
  attributes?: {
    source?: { address?: SocketAddress; principal?: string; certificate?: string };
    request?: {
      http?: {
        host?: string;
        path?: string;
        headers?: Record<string, string>;
        header_map?: { headers?: { key?: string; value?: string; raw_value?: Uint8Array }[] };
      };
    };
  };
}

interface SocketAddress {
  socket_address?: { address?: string; port_value?: number };
  pipe?: { path?: string };
}

function recordCheck(deps: CheckDeps, request: Buffer, requestId: string): void {
  if (!Buffer.isBuffer(request) || request.length > MAX_DECODED_CHECK_BYTES) {
    deps.failures.unreadable('check', 'oversized');
    return;
  }
  let decoded: DecodedCheck;
  try {
    decoded = deps.checkRequest.decode(request) as DecodedCheck;
  } catch {
    deps.failures.unreadable('check', 'malformed');
    return;
  }
  const source = decoded.attributes?.source;
  const http = decoded.attributes?.request?.http;
  const caller = callerFrom({
    principal: source?.principal,
    certificate: source?.certificate,
    forwardedClientCert: headerOf(http, 'x-forwarded-client-cert'),
    sourceAddress: addressText(source?.address),
  });
  deps.callers.put(requestId, {
    caller,
    host: http?.host?.slice(0, MAX_ROUTE_CHARS),
    route: http?.path?.split('?')[0]!.slice(0, MAX_ROUTE_CHARS),
    checkedAtMs: deps.clock.now(),
  });
}

function headerOf(
  http: NonNullable<NonNullable<DecodedCheck['attributes']>['request']>['http'],
  name: string,
) {
  const direct = http?.headers?.[name];
  if (direct !== undefined) return direct;
  for (const header of http?.header_map?.headers ?? []) {
    if (header.key?.toLowerCase() !== name) continue;
    if (header.raw_value && header.raw_value.length > 0) {
      return Buffer.from(header.raw_value).toString('latin1');
    }
    return header.value;
  }
  return undefined;
}

function addressText(address: SocketAddress | undefined): string | undefined {
  const socket = address?.socket_address;
  if (socket?.address) return socket.address;
  return address?.pipe?.path;
}

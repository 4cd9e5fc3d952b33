// `ExternalProcessor/Process`: one stream per proxied call. Each message is answered at once with
// an empty reply of the type that matches its phase (Envoy fails a call on any other type), or
// not at all in observability mode. Reading the message for usage happens after the reply.
import type * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { CallObserver, type Attributes, type Headers, type ObserverDeps } from './call-observer.js';
import type { FailOpenReporter } from './fail-open.js';
import type { InterceptorMetrics } from './metrics.js';

/** `ProcessingRequest` oneof field numbers, by phase. A reply's field number is one less. */
const PHASES = [
  'request_headers',
  'response_headers',
  'request_body',
  'response_body',
  'request_trailers',
  'response_trailers',
] as const;
const FIRST_PHASE_FIELD = 2;
const OBSERVABILITY_MODE_FIELD = 10;
/** Messages read per stream while the previous ones are still being read; more are skipped. */
const MAX_UNREAD_MESSAGES = 256;

/** Headers kept from each side; every other header, credentials included, is never copied. */
const REQUEST_HEADERS = new Set([
  ':authority',
  'host',
  ':path',
  'x-argmin-request-id',
  'x-request-id',
  'x-forwarded-client-cert',
]);
const RESPONSE_HEADERS = new Set([
  ':status',
  'content-type',
  'content-encoding',
  'x-amzn-bedrock-input-token-count',
  'x-amzn-bedrock-output-token-count',
  'x-amzn-bedrock-cache-read-input-token-count',
  'x-amzn-bedrock-cache-write-input-token-count',
]);

export class ProcessReplies {
  private readonly byPhase: Buffer[];

  constructor(processingResponse: protobuf.Type) {
    this.byPhase = PHASES.map((phase) =>
      Buffer.from(
        processingResponse.encode(processingResponse.fromObject({ [phase]: {} })).finish(),
      ),
    );
  }

  /** The empty reply that matches a request's phase field number. */
  forField(field: number): Buffer {
    return this.byPhase[field - FIRST_PHASE_FIELD]!;
  }
}

interface Shape {
  /** The oneof field number, 2 to 7; undefined when the message names no phase. */
  field?: number;
  observability: boolean;
  intact: boolean;
}

/** Reads only the top-level tags: which phase, and whether Envoy expects no reply. */
export function messageShape(message: Uint8Array): Shape {
  const reader = protobuf.Reader.create(message);
  const shape: Shape = { observability: false, intact: true };
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === OBSERVABILITY_MODE_FIELD && wireType === 0) {
        shape.observability = reader.bool();
        continue;
      }
      if (shape.field === undefined && wireType === 2 && field >= 2 && field <= 7)
        shape.field = field;
      reader.skipType(wireType);
    }
  } catch {
    shape.intact = false;
  }
  return shape;
}

export interface ProcessDeps {
  replies: ProcessReplies;
  processingRequest: protobuf.Type;
  metrics: InterceptorMetrics;
  failures: FailOpenReporter;
  observer: ObserverDeps;
  /** Tracks the recording of each call, so shutdown can wait for it. */
  track(work: Promise<void>): void;
}

export function processHandler(deps: ProcessDeps): grpc.handleBidiStreamingCall<Buffer, Buffer> {
  const messagesOfPhase = PHASES.map((phase) => deps.metrics.processMessages.labels(phase));
  return (call) => {
    deps.metrics.processStreams.inc();
    deps.metrics.openStreams.inc();
    const stream = new StreamReader(deps);
    let over = false;
    const finish = () => {
      if (over) return;
      over = true;
      deps.metrics.openStreams.dec();
      deps.track(stream.finish());
    };

    call.on('data', (message: Buffer) => {
      const receivedAt = process.hrtime.bigint();
      let shape: Shape = { observability: false, intact: false };
      try {
        shape = messageShape(message);
        if (shape.field !== undefined && !shape.observability && !over) {
          call.write(deps.replies.forField(shape.field));
        }
      } catch (err) {
        deps.failures.answered('process', 'reply', err);
      }
      deps.metrics.processAnswerSeconds.observe(Number(process.hrtime.bigint() - receivedAt) / 1e9);

      if (shape.field === undefined) {
        deps.failures.unreadable('process', shape.intact ? 'no-phase' : 'malformed');
        return;
      }
      messagesOfPhase[shape.field - FIRST_PHASE_FIELD]!.inc();
      stream.enqueue(message);
    });
    call.on('end', () => {
      try {
        call.end();
      } catch {
        // The transport is already gone; there is nothing left to answer.
      }
      finish();
    });
    call.on('error', finish);
    call.on('cancelled', finish);
    call.on('close', finish);
  };
}

/** Reads one stream's messages in order, off the reply path. */
class StreamReader {
  private readonly observer: CallObserver;
  private unread: Buffer[] = [];
  private scheduled = false;
  private skipping = false;
  private responseEnded = false;

  constructor(private readonly deps: ProcessDeps) {
    this.observer = new CallObserver(deps.observer);
  }

  enqueue(message: Buffer): void {
    if (this.skipping) return;
    if (this.unread.length >= MAX_UNREAD_MESSAGES) {
      this.skipping = true;
      this.unread = [];
      this.deps.failures.unreadable('process', 'backlog');
      return;
    }
    this.unread.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  async finish(): Promise<void> {
    this.drain();
    try {
      await this.observer.finish();
    } catch (err) {
      this.deps.failures.afterAnswer('process', err);
    }
  }

  private drain(): void {
    this.scheduled = false;
    const messages = this.unread;
    this.unread = [];
    for (const message of messages) {
      try {
        this.read(message);
      } catch (err) {
        this.skipping = true;
        this.deps.failures.afterAnswer('process', err);
        return;
      }
    }
  }

  private read(message: Buffer): void {
    let decoded: DecodedRequest;
    try {
      decoded = this.deps.processingRequest.decode(message) as DecodedRequest;
    } catch {
      this.deps.failures.unreadable('process', 'malformed');
      return;
    }
    const attributes = attributeStrings(decoded.attributes);
    if (decoded.request_headers) {
      this.observer.requestHeaders(headerMap(decoded.request_headers, REQUEST_HEADERS), attributes);
    } else if (decoded.response_headers) {
      const end = decoded.response_headers.end_of_stream === true;
      this.observer.responseHeaders(headerMap(decoded.response_headers, RESPONSE_HEADERS), end);
      if (end) this.responseComplete();
    } else if (decoded.response_body) {
      const end = decoded.response_body.end_of_stream === true;
      this.observer.responseBody(decoded.response_body.body ?? new Uint8Array(0), end);
      if (end) this.responseComplete();
    }
    // Request bodies and trailers carry nothing Argmin records; they are not read.
  }

  /** The response is whole: record now rather than when Envoy closes the stream. */
  private responseComplete(): void {
    if (this.responseEnded) return;
    this.responseEnded = true;
    this.deps.track(this.observer.finish());
  }
}

interface DecodedHeaders {
  headers?: { headers?: { key?: string; value?: string; raw_value?: Uint8Array }[] };
  end_of_stream?: boolean;
}

interface DecodedRequest {
  request_headers?: DecodedHeaders;
  response_headers?: DecodedHeaders;
  response_body?: { body?: Uint8Array; end_of_stream?: boolean };
  attributes?: Record<string, { fields?: Record<string, StructValue> }>;
}

/** protobufjs ships `google.protobuf.Value` itself, with camel-case field names. */
interface StructValue {
  stringValue?: string;
  numberValue?: number;
}

function headerMap(message: DecodedHeaders, wanted: ReadonlySet<string>): Headers {
  const headers = new Map<string, string>();
  for (const header of message.headers?.headers ?? []) {
    const key = header.key?.toLowerCase();
    if (!key || !wanted.has(key)) continue;
    // Envoy sends values as `raw_value` bytes since 1.27, as `value` before.
    const value =
      header.raw_value && header.raw_value.length > 0
        ? Buffer.from(header.raw_value).toString('latin1')
        : (header.value ?? '');
    headers.set(key, value);
  }
  return headers;
}

/** Envoy groups attributes under the filter's name; the names themselves are unique. */
function attributeStrings(attributes: DecodedRequest['attributes']): Attributes {
  const strings = new Map<string, string>();
  for (const struct of Object.values(attributes ?? {})) {
    for (const [name, value] of Object.entries(struct.fields ?? {})) {
      if (value.stringValue) strings.set(name, value.stringValue);
      else if (value.numberValue) strings.set(name, String(value.numberValue));
    }
  }
  return strings;
}

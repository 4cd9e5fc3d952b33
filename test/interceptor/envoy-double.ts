// A stand-in for Envoy's side of ext_authz and ext_proc: a real gRPC client that knows only
// Envoy's own protos (loaded with @grpc/proto-loader, as any client of them would), calling the
// way Envoy's filters do. No Envoy binary can be installed here; this is its wire protocol.
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  AUTHORIZATION_PROTO,
  ENVOY_PROTO_INCLUDE_DIRS,
  EXTERNAL_PROCESSOR_PROTO,
  HEALTH_PROTO_JSON,
} from '../../ext-authz/index.js';
import { fromJSON } from '@grpc/proto-loader';
import { BUDGET_MS, startTiming, type Timing } from './budget.js';

const definition = loadSync([AUTHORIZATION_PROTO, EXTERNAL_PROCESSOR_PROTO], {
  includeDirs: [...ENVOY_PROTO_INCLUDE_DIRS],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
});

type ClientConstructor = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options: grpc.ClientOptions,
) => grpc.Client;
const envoy = grpc.loadPackageDefinition(definition) as unknown as {
  envoy: {
    service: {
      auth: { v3: { Authorization: ClientConstructor } };
      ext_proc: { v3: { ExternalProcessor: ClientConstructor } };
    };
  };
};
const health = grpc.loadPackageDefinition(
  fromJSON(HEALTH_PROTO_JSON as Parameters<typeof fromJSON>[0], { enums: String }),
) as unknown as { grpc: { health: { v1: { Health: ClientConstructor } } } };

/** A Check as Envoy sends it for a call from a meshed pod. */
export const SAMPLE_CHECK_REQUEST = {
  attributes: {
    source: {
      address: { socket_address: { address: '10.1.2.3', port_value: 40000 } },
      principal: 'spiffe://cluster.local/ns/search/sa/ranker',
    },
    destination: { address: { socket_address: { address: '10.9.9.9', port_value: 443 } } },
    request: {
      time: { seconds: 1_790_000_000, nanos: 0 },
      http: {
        id: '6a4f0c2e-0000-4000-8000-000000000001',
        method: 'POST',
        host: 'api.openai.com',
        path: '/v1/chat/completions',
        headers: { 'x-request-id': '6a4f0c2e-0000-4000-8000-000000000001' },
        protocol: 'HTTP/1.1',
      },
    },
  },
};

/**
 * How long the double waits for an answer before giving up. Longer than the budget, so that an
 * answer over budget shows up as a measured time, not a transport error.
 */
const DEADLINE_MS = 10 * BUDGET_MS;

export interface CheckResult {
  response: CheckResponse;
  timing: Timing;
}

export interface CheckResponse {
  status?: { code?: number; message?: string };
  ok_response?: {
    headers?: { header?: { key?: string; value?: string }; append_action?: string }[];
  };
  denied_response?: unknown;
  http_response?: string;
}

export interface ProcessingResponse {
  response?: string;
  [phase: string]: unknown;
}

export interface HeaderPair {
  key: string;
  value: string;
}

export class EnvoyDouble {
  private readonly authorization: grpc.Client;
  private readonly processor: grpc.Client;
  private readonly healthClient: grpc.Client;
  private readonly raw: grpc.Client;
  private readonly channel: grpc.Channel;

  constructor(readonly address: string) {
    // One HTTP/2 connection for everything, as Envoy's gRPC cluster keeps one warm.
    const credentials = grpc.credentials.createInsecure();
    this.channel = new grpc.Channel(address, credentials, {});
    const options = { channelOverride: this.channel };
    const Authorization = envoy.envoy.service.auth.v3.Authorization;
    this.authorization = new Authorization(address, credentials, options);
    const ExternalProcessor = envoy.envoy.service.ext_proc.v3.ExternalProcessor;
    this.processor = new ExternalProcessor(address, credentials, options);
    this.healthClient = new health.grpc.health.v1.Health(address, credentials, options);
    this.raw = new grpc.Client(address, credentials, options);
  }

  close(): void {
    this.channel.close();
  }

  /** ext_authz's Check, with the deadline Envoy's `timeout` sets. */
  check(request: object, deadlineMs = DEADLINE_MS): Promise<CheckResult> {
    const stop = startTiming();
    return new Promise((resolve, reject) => {
      const call = (this.authorization as unknown as Record<string, CheckFn>).Check!;
      call.call(
        this.authorization,
        request,
        { deadline: Date.now() + deadlineMs },
        (err: grpc.ServiceError | null, response: CheckResponse) => {
          if (err) reject(err);
          else resolve({ response, timing: stop() });
        },
      );
    });
  }

  /** Sends bytes as a Check, as a client with a broken encoder would. */
  rawCheck(bytes: Buffer, deadlineMs = DEADLINE_MS): Promise<{ reply: Buffer; timing: Timing }> {
    const stop = startTiming();
    return new Promise((resolve, reject) => {
      this.raw.makeUnaryRequest(
        '/envoy.service.auth.v3.Authorization/Check',
        (b: Buffer) => b,
        (b: Buffer) => b,
        bytes,
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
        (err, reply) => {
          if (err) reject(err);
          else resolve({ reply: reply!, timing: stop() });
        },
      );
    });
  }

  /**
   * An ext_proc stream in Envoy's synchronous mode: each message waits for its reply, as the
   * filter does, and each reply's wait is timed.
   */
  async processInSync(
    messages: object[],
    replyWithinMs = DEADLINE_MS,
  ): Promise<{ replies: ProcessingResponse[]; waits: Timing[] }> {
    const stream = this.openProcess();
    const replies: ProcessingResponse[] = [];
    const waits: Timing[] = [];
    const pending: ((reply: ProcessingResponse) => void)[] = [];
    stream.on('data', (reply: ProcessingResponse) => {
      replies.push(reply);
      pending.shift()?.(reply);
    });
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    try {
      for (const message of messages) {
        const stop = startTiming();
        let timer: NodeJS.Timeout | undefined;
        const answered = new Promise<ProcessingResponse>((resolve, reject) => {
          pending.push(resolve);
          timer = setTimeout(
            () => reject(new Error(`no reply within ${replyWithinMs} ms`)),
            replyWithinMs,
          );
        });
        stream.write(message);
        await answered.finally(() => clearTimeout(timer));
        waits.push(stop());
      }
    } catch (err) {
      ended.catch(() => undefined);
      stream.cancel();
      throw err;
    }
    stream.end();
    await ended;
    return { replies, waits };
  }

  /** A Check and a Process stream of every shape, so that timed calls do not pay for a cold start. */
  async warmUp(): Promise<void> {
    await this.health();
    await this.check(SAMPLE_CHECK_REQUEST, 5_000);
    const messages = callMessages({
      request: { ':authority': 'example.com', ':path': '/warm-up', 'x-request-id': 'warm-up' },
      response: { ':status': '200', 'content-type': 'application/json' },
      body: [Buffer.from('{}')],
      attributes: { 'source.address': '10.0.0.1:1' },
    });
    await this.processInSync(messages, 5_000);
    await this.processObserving(messages, 10);
  }

  /** An ext_proc stream in observability mode: Envoy sends and never waits. */
  async processObserving(messages: object[], settleMs = 100): Promise<ProcessingResponse[]> {
    const stream = this.openProcess();
    const replies: ProcessingResponse[] = [];
    stream.on('data', (reply: ProcessingResponse) => replies.push(reply));
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    for (const message of messages) stream.write({ ...message, observability_mode: true });
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    stream.end();
    await ended;
    return replies;
  }

  openProcess(): grpc.ClientDuplexStream<object, ProcessingResponse> {
    const open = (
      this.processor as unknown as Record<
        string,
        () => grpc.ClientDuplexStream<object, ProcessingResponse>
      >
    ).Process!;
    return open.call(this.processor);
  }

  /** A Process stream over raw bytes, for messages no encoder would produce. */
  openRawProcess(): grpc.ClientDuplexStream<Buffer, Buffer> {
    return this.raw.makeBidiStreamRequest(
      '/envoy.service.ext_proc.v3.ExternalProcessor/Process',
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
  }

  /** gRPC health `Watch`, as a Kubernetes probe or a load balancer would keep open. */
  watchHealth(service = ''): grpc.ClientReadableStream<{ status: string }> {
    const watch = (this.healthClient as unknown as Record<string, WatchFn>).Watch!;
    return watch.call(this.healthClient, { service });
  }

  health(service = ''): Promise<string> {
    return new Promise((resolve, reject) => {
      const call = (this.healthClient as unknown as Record<string, CheckFn>).Check!;
      call.call(
        this.healthClient,
        { service },
        { deadline: Date.now() + 1_000 },
        (err: grpc.ServiceError | null, response: { status: string }) =>
          err ? reject(err) : resolve(response.status),
      );
    });
  }
}

type WatchFn = (request: object) => grpc.ClientReadableStream<{ status: string }>;

type CheckFn = (
  request: object,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, response: never) => void,
) => void;

/** The `x-argmin-request-id` a Check answer asks Envoy to add. */
export function requestIdOf(response: CheckResponse): string | undefined {
  return response.ok_response?.headers?.find((h) => h.header?.key === 'x-argmin-request-id')?.header
    ?.value;
}

/** Envoy ≥ 1.27 sends header values as `raw_value` bytes. */
export function headerMap(headers: Record<string, string>): { headers: object[] } {
  return {
    headers: Object.entries(headers).map(([key, value]) => ({
      key,
      raw_value: Buffer.from(value),
    })),
  };
}

/** The ext_proc messages of one proxied call: headers each way and the body in pieces. */
export function callMessages(call: {
  request: Record<string, string>;
  response: Record<string, string>;
  body: Buffer[];
  attributes?: Record<string, string>;
}): object[] {
  const attributes = call.attributes
    ? {
        'envoy.filters.http.ext_proc': {
          fields: Object.fromEntries(
            Object.entries(call.attributes).map(([k, v]) => [k, { stringValue: v }]),
          ),
        },
      }
    : undefined;
  const messages: object[] = [
    { request_headers: { headers: headerMap(call.request), end_of_stream: true }, attributes },
    {
      response_headers: {
        headers: headerMap(call.response),
        end_of_stream: call.body.length === 0,
      },
    },
  ];
  call.body.forEach((piece, i) =>
    messages.push({ response_body: { body: piece, end_of_stream: i === call.body.length - 1 } }),
  );
  return messages;
}

/** The phase name of each ext_proc message, which its reply must match. */
export function phaseOf(message: object): string {
  return Object.keys(message).find(
    (k) => k.endsWith('_headers') || k.endsWith('_body') || k.endsWith('_trailers'),
  )!;
}

// The gRPC services the interceptor serves, with Envoy's method paths. Messages cross the
// transport as raw bytes: the answer is sent before the request is decoded, and a message that
// cannot be decoded is still answered instead of failing the call.
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import type protobuf from 'protobufjs';

const passThrough = (bytes: Buffer): Buffer => bytes;

function rawMethod(
  service: protobuf.Service,
  name: string,
  streaming: boolean,
): grpc.MethodDefinition<Buffer, Buffer> {
  const method = service.methods[name];
  if (!method) throw new Error(`${service.fullName} has no method ${name}`);
  return {
    path: `/${service.fullName.replace(/^\./, '')}/${method.name}`,
    requestStream: streaming,
    responseStream: streaming,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  };
}

export function authorizationService(root: protobuf.Root): grpc.ServiceDefinition {
  const service = root.lookupService('envoy.service.auth.v3.Authorization');
  return { Check: rawMethod(service, 'Check', false) };
}

export function externalProcessorService(root: protobuf.Root): grpc.ServiceDefinition {
  const service = root.lookupService('envoy.service.ext_proc.v3.ExternalProcessor');
  return { Process: rawMethod(service, 'Process', true) };
}

/** `grpc.health.v1`, as Envoy's gRPC health checker and Kubernetes' gRPC probes call it. */
export const HEALTH_PROTO_JSON = {
  nested: {
    grpc: {
      nested: {
        health: {
          nested: {
            v1: {
              nested: {
                HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
                HealthCheckResponse: {
                  fields: { status: { type: 'ServingStatus', id: 1 } },
                  nested: {
                    ServingStatus: {
                      values: { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 },
                    },
                  },
                },
                Health: {
                  methods: {
                    Check: {
                      requestType: 'HealthCheckRequest',
                      responseType: 'HealthCheckResponse',
                    },
                    Watch: {
                      requestType: 'HealthCheckRequest',
                      responseType: 'HealthCheckResponse',
                      responseStream: true,
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

type ServingStatus = 'SERVING' | 'NOT_SERVING';

/** Names the interceptor answers health checks for: the whole server and each service. */
const HEALTH_SERVICE_NAMES = new Set([
  '',
  'envoy.service.auth.v3.Authorization',
  'envoy.service.ext_proc.v3.ExternalProcessor',
]);

export class HealthService {
  private status: ServingStatus = 'SERVING';
  private readonly watchers = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  readonly definition: grpc.ServiceDefinition;

  constructor() {
    const loaded = grpc.loadPackageDefinition(
      fromJSON(HEALTH_PROTO_JSON as Parameters<typeof fromJSON>[0]),
    ) as unknown as {
      grpc: { health: { v1: { Health: { service: grpc.ServiceDefinition } } } };
    };
    this.definition = loaded.grpc.health.v1.Health.service;
  }

  get serving(): boolean {
    return this.status === 'SERVING';
  }

  set(status: ServingStatus): void {
    this.status = status;
    for (const watcher of this.watchers) watcher.write({ status });
  }

  readonly implementation: grpc.UntypedServiceImplementation = {
    Check: (
      call: grpc.ServerUnaryCall<{ service?: string }, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      const known = HEALTH_SERVICE_NAMES.has(call.request.service ?? '');
      if (!known) {
        callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        return;
      }
      callback(null, { status: this.status });
    },
    Watch: (call: grpc.ServerWritableStream<{ service?: string }, unknown>) => {
      const known = HEALTH_SERVICE_NAMES.has(call.request.service ?? '');
      call.write({ status: known ? this.status : 'SERVICE_UNKNOWN' });
      this.watchers.add(call);
      call.on('cancelled', () => this.watchers.delete(call));
      call.on('error', () => this.watchers.delete(call));
    },
  };

  /** Ends open watches so that a draining server can close. */
  endWatches(): void {
    for (const watcher of this.watchers) watcher.end();
    this.watchers.clear();
  }
}

// The floor the interceptor is measured against: a gRPC server on the same stack (@grpc/grpc-js,
// Envoy's protos through @grpc/proto-loader) that answers every Check with a constant OK and every
// ext_proc message with an empty reply of its phase, doing nothing else. Run on its own, it prints
// `listening <address>`: `npx tsx test/interceptor/floor-server.ts [host:port]`.
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  AUTHORIZATION_PROTO,
  ENVOY_PROTO_INCLUDE_DIRS,
  EXTERNAL_PROCESSOR_PROTO,
} from '../../ext-authz/index.js';

const definition = loadSync([AUTHORIZATION_PROTO, EXTERNAL_PROCESSOR_PROTO], {
  includeDirs: [...ENVOY_PROTO_INCLUDE_DIRS],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
});
const services = grpc.loadPackageDefinition(definition) as unknown as {
  envoy: {
    service: {
      auth: { v3: { Authorization: { service: grpc.ServiceDefinition } } };
      ext_proc: { v3: { ExternalProcessor: { service: grpc.ServiceDefinition } } };
    };
  };
};

const OK = { status: { code: 0 }, ok_response: {} };
/** The reply field that matches each request phase. */
const REPLY: Record<string, string> = {
  request_headers: 'request_headers',
  response_headers: 'response_headers',
  request_body: 'request_body',
  response_body: 'response_body',
  request_trailers: 'request_trailers',
  response_trailers: 'response_trailers',
};

export async function startFloorServer(
  listen = '127.0.0.1:0',
): Promise<{ address: string; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(services.envoy.service.auth.v3.Authorization.service, {
    Check: (_call: unknown, callback: grpc.sendUnaryData<object>) => callback(null, OK),
  });
  server.addService(services.envoy.service.ext_proc.v3.ExternalProcessor.service, {
    Process: (call: grpc.ServerDuplexStream<{ request?: string }, object>) => {
      call.on('data', (message) => {
        const phase = REPLY[message.request ?? ''];
        if (phase) call.write({ [phase]: {} });
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(listen, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return { address: `${listen.replace(/:\d+$/, '')}:${port}`, server };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { address } = await startFloorServer(process.argv[2]);
  console.log(`listening ${address}`);
}

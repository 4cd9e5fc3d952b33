// Envoy's own service definitions, read from the `.proto` files that ship with
// `@grpc/grpc-js-xds`, so the interceptor speaks exactly the wire format Envoy does.
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const XDS_PACKAGE_DIR = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
const PROTOBUFJS_DIR = path.dirname(require.resolve('protobufjs/package.json'));

/** Where Envoy's protos and everything they import live; `includeDirs` for `@grpc/proto-loader`. */
export const ENVOY_PROTO_INCLUDE_DIRS: readonly string[] = [
  'envoy-api',
  'xds',
  'googleapis',
  'protoc-gen-validate',
].map((dir) => path.join(XDS_PACKAGE_DIR, 'deps', dir));

export const AUTHORIZATION_PROTO = 'envoy/service/auth/v3/external_auth.proto';
export const EXTERNAL_PROCESSOR_PROTO = 'envoy/service/ext_proc/v3/external_processor.proto';

/**
 * Loads the named protos and everything they import into one protobufjs root, keeping the
 * field names as the `.proto` files spell them.
 */
export async function loadEnvoyProtos(files: readonly string[]): Promise<protobuf.Root> {
  const root = new protobuf.Root();
  // The option annotations import `google/protobuf/descriptor.proto`, which protobufjs ships.
  const dirs = [...ENVOY_PROTO_INCLUDE_DIRS, PROTOBUFJS_DIR];
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of dirs) {
      const candidate = path.join(dir, target);
      try {
        accessSync(candidate, constants.R_OK);
        return candidate;
      } catch {
        continue;
      }
    }
    return target;
  };
  await root.load([...files], { keepCase: true });
  root.resolveAll();
  return root;
}

/** The message types the interceptor reads and writes. */
export interface InterceptorTypes {
  root: protobuf.Root;
  checkRequest: protobuf.Type;
  checkResponse: protobuf.Type;
  processingRequest: protobuf.Type;
  processingResponse: protobuf.Type;
}

export async function loadInterceptorTypes(): Promise<InterceptorTypes> {
  const root = await loadEnvoyProtos([AUTHORIZATION_PROTO, EXTERNAL_PROCESSOR_PROTO]);
  const types = {
    root,
    checkRequest: root.lookupType('envoy.service.auth.v3.CheckRequest'),
    checkResponse: root.lookupType('envoy.service.auth.v3.CheckResponse'),
    processingRequest: root.lookupType('envoy.service.ext_proc.v3.ProcessingRequest'),
    processingResponse: root.lookupType('envoy.service.ext_proc.v3.ProcessingResponse'),
  };
  const prepared = new Set<protobuf.Type>();
  for (const type of [types.checkRequest, types.checkResponse]) prepareCodecs(type, prepared);
  for (const type of [types.processingRequest, types.processingResponse]) {
    prepareCodecs(type, prepared);
  }
  return types;
}

/**
 * protobufjs generates each type's codec the first time it is used, which takes tens of
 * milliseconds for Envoy's nested messages; doing it at start-up keeps that off the first calls.
 */
function prepareCodecs(type: protobuf.Type, prepared: Set<protobuf.Type>): void {
  if (prepared.has(type)) return;
  prepared.add(type);
  type.setup();
  for (const field of type.fieldsArray) {
    if (field.resolvedType instanceof protobuf.Type) prepareCodecs(field.resolvedType, prepared);
  }
}

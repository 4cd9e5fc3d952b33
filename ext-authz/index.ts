// The interceptor: Envoy ext_authz and ext_proc over gRPC, failing open, recording usage events.
export { startInterceptor, type Interceptor, type InterceptorOptions } from './interceptor.js';
export type { UsageEventSink, EventQueueOptions } from './event-queue.js';
export { InterceptorMetrics } from './metrics.js';
export { InterceptorError, type InterceptorErrorCode } from './errors.js';
export type { Clock } from './clock.js';
export { REQUEST_ID_HEADER } from './call-observer.js';
export {
  ENVOY_PROTO_INCLUDE_DIRS,
  AUTHORIZATION_PROTO,
  EXTERNAL_PROCESSOR_PROTO,
  loadEnvoyProtos,
} from './envoy-protos.js';
export { HEALTH_PROTO_JSON } from './grpc-services.js';
export { encodeEventStreamFrame } from './aws-event-stream.js';
export { LOG_REDACT_PATHS } from './logging.js';

export type { FormatReader, ReadContext, SourceFile, SourceRole } from './format-reader.js';
export { readerFor, SUPPORTED_FORMATS } from './registry.js';
export { listSourceFiles } from './list-source-files.js';
export { SourceError, type SourceErrorCode } from './source-error.js';
export { readLines } from './open-source.js';
export { isAiService } from './ai-services.js';
export { normalizeModelId } from './model-names.js';
export {
  parseCodeowners,
  type CodeownersFile,
  type CodeownersMatch,
  type CodeownersRule,
} from './codeowners.js';
export { ArgminEventsReader } from './argmin-events.js';
export { BedrockInvocationLogsReader } from './bedrock-invocation-logs.js';
export { GcpVertexAuditLogsReader } from './gcp-vertex-audit-logs.js';
export { awsIamReader } from './aws-iam.js';
export { syncConnector, connectorKey, type SyncOptions, type SyncResult } from './sync.js';
export { loadCodeowners, type LoadedCodeowners } from './codeowners-sources.js';

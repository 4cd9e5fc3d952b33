// The one table of formats: a new export format is a reader file and a line here.
import { ArgminEventsReader } from './argmin-events.js';
import { awsCur2Reader } from './aws-cur-2.js';
import { awsCurLegacyReader } from './aws-cur-legacy.js';
import { awsIamReader } from './aws-iam.js';
import { azureCostExportReader } from './azure-cost-export.js';
import { AzureOpenAiDiagnosticLogsReader } from './azure-openai-diagnostic-logs.js';
import { BedrockInvocationLogsReader } from './bedrock-invocation-logs.js';
import { focusReader } from './focus.js';
import type { FormatReader } from './format-reader.js';
import { gcpBillingExportReader } from './gcp-billing-export.js';
import { GcpVertexAuditLogsReader } from './gcp-vertex-audit-logs.js';
import { scimReader } from './scim.js';

const READERS: readonly FormatReader[] = [
  awsCur2Reader,
  awsCurLegacyReader,
  new BedrockInvocationLogsReader(),
  focusReader('focus-1.0'),
  focusReader('focus-1.2'),
  gcpBillingExportReader,
  new GcpVertexAuditLogsReader(),
  new ArgminEventsReader(),
  scimReader,
  awsIamReader,
  azureCostExportReader,
  new AzureOpenAiDiagnosticLogsReader(),
];

const BY_FORMAT: ReadonlyMap<string, FormatReader> = new Map(READERS.map((r) => [r.format, r]));

export const SUPPORTED_FORMATS: readonly string[] = READERS.map((r) => r.format);

/** The reader of a CloudConnector source's `format`, or undefined when none reads it. */
export function readerFor(format: string): FormatReader | undefined {
  return BY_FORMAT.get(format);
}

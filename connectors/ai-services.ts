// Which billed services are AI inference, so attribution can keep to AI spend.
import type { CostRow } from '../attribution/index.js';
import { isGcpAiService } from './gcp-sku.js';
import { isAzureAiService } from './azure-cost-row.js';

/** Bedrock's own line items, as CUR names the service (product name, else product code). */
const BEDROCK_SERVICE_NAMES: ReadonlySet<string> = new Set(['Amazon Bedrock', 'AmazonBedrock']);

/** Third-party models sold through AWS Marketplace bill as a service of their own. */
const BEDROCK_MARKETPLACE_SUFFIX = '(Amazon Bedrock Edition)';

export function isBedrockMarketplaceService(serviceName: string): boolean {
  return serviceName.trimEnd().endsWith(BEDROCK_MARKETPLACE_SUFFIX);
}

export function isBedrockService(serviceName: string): boolean {
  return BEDROCK_SERVICE_NAMES.has(serviceName.trim()) || isBedrockMarketplaceService(serviceName);
}

/**
 * Whether a bill line is AI inference spend: Bedrock first-party and Marketplace "(Amazon Bedrock
 * Edition)" rows. GCP and Azure services join this when their export readers do.
 */
export function isAiService(row: CostRow): boolean {
  if (row.provider === 'azure') return isAzureAiService(row.serviceName);
  if (row.provider === 'gcp') return isGcpAiService(row.serviceName);
  return row.provider === 'aws' && isBedrockService(row.serviceName);
}

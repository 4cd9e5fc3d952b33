// What a Bedrock CUR usage type says: the region that billed, the model's billing name and the
// token class. First-party rows read `<REGIONCODE>-<BillingModelName>-<tokenclass>[-<tier/routing>]`
// (`USE1-Claude4Sonnet-cache-read-input-token-count-cross-region-global`); Marketplace rows name
// only the class (`USE1-MP:USE1_InputTokenCount-Units`) and leave the model to the product name.
import type { TokenClass } from '../attribution/index.js';

/** AWS usage-type region codes. A code not listed yields no region rather than a guessed one. */
const REGION_CODES: Readonly<Record<string, string>> = {
  USE1: 'us-east-1',
  USE2: 'us-east-2',
  USW1: 'us-west-1',
  USW2: 'us-west-2',
  UGW1: 'us-gov-west-1',
  UGE1: 'us-gov-east-1',
  CAN1: 'ca-central-1',
  CAN2: 'ca-west-1',
  SAE1: 'sa-east-1',
  EU: 'eu-west-1',
  EUW2: 'eu-west-2',
  EUW3: 'eu-west-3',
  EUC1: 'eu-central-1',
  EUC2: 'eu-central-2',
  EUN1: 'eu-north-1',
  EUS1: 'eu-south-1',
  EUS2: 'eu-south-2',
  APN1: 'ap-northeast-1',
  APN2: 'ap-northeast-2',
  APN3: 'ap-northeast-3',
  APS1: 'ap-southeast-1',
  APS2: 'ap-southeast-2',
  APS3: 'ap-south-1',
  APS4: 'ap-southeast-3',
  APS5: 'ap-south-2',
  APS6: 'ap-southeast-4',
  APE1: 'ap-east-1',
  MES1: 'me-south-1',
  MEC1: 'me-central-1',
  AFS1: 'af-south-1',
  ILC1: 'il-central-1',
};

const REGION_CODE_PREFIX = /^([A-Z]{2,4}\d*)[-_]/;

/** The region a usage type's leading code names, or null when it has none this table knows. */
export function regionOfUsageType(usageType: string): string | null {
  const code = REGION_CODE_PREFIX.exec(usageType)?.[1];
  return code === undefined ? null : (REGION_CODES[code] ?? null);
}

const FIRST_PARTY_CLASSES: Readonly<Record<string, TokenClass>> = {
  'input-tokens': 'inputTokens',
  'output-tokens': 'outputTokens',
  'cache-read-input-token-count': 'cacheReadTokens',
  'cache-write-input-token-count': 'cacheWriteTokens',
};

// The billing name may itself hold hyphens (`Llama3.3-70B`, `openai.gpt-oss-120b`), so it is the
// shortest run that a token-class suffix follows; `mantle-` marks the OpenAI-compatible endpoint.
const FIRST_PARTY = new RegExp(
  `^[A-Z]{2,4}\\d*-(.+?)-(?:mantle-)?(${Object.keys(FIRST_PARTY_CLASSES).join('|')})(?:-(.+))?$`,
);

export interface BedrockUsage {
  /** The model's name as the bill gives it, before normalization. */
  billingName: string;
  tokenClass: TokenClass;
  /** Service tier and routing (`flex`, `cross-region-global`, `standard`), when the type has one. */
  variant: string | null;
}

/** Model and token class of a first-party Bedrock usage type, or null when it bills no tokens. */
export function parseBedrockUsageType(usageType: string): BedrockUsage | null {
  const m = FIRST_PARTY.exec(usageType);
  if (m === null) return null;
  const [, billingName = '', suffix = '', variant] = m;
  const tokenClass = FIRST_PARTY_CLASSES[suffix];
  if (tokenClass === undefined) return null;
  return { billingName, tokenClass, variant: variant ?? null };
}

const MARKETPLACE = /^(?:[A-Z]{2,4}\d*-MP:)?[A-Z]{2,4}\d*_(.+?)(?:-Units)?$/;

/** Token class a Marketplace model's usage type bills, or null when it bills something else. */
export function parseMarketplaceUsageType(usageType: string): TokenClass | null {
  const meter = MARKETPLACE.exec(usageType)?.[1];
  if (meter === undefined) return null;

  // Sellers spell meters freely (`InputTokenCount`, `input_tokens_global_standard`), so compare
  // letters only.
  const letters = meter.toLowerCase().replace(/[^a-z]/g, '');
  if (letters.startsWith('cachewrite')) return 'cacheWriteTokens';
  if (letters.startsWith('cacheread')) return 'cacheReadTokens';
  if (letters.startsWith('inputtoken')) return 'inputTokens';
  if (letters.startsWith('outputtoken')) return 'outputTokens';
  return null;
}

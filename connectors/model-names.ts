// One name per model, whatever the source calls it: Bedrock callers pass inference-profile ids and
// ARNs, CUR rows carry billing names, Marketplace rows a product name. Attribution joins bills to
// requests on the normalized id, so a name this file does not know is kept as given, never guessed.
import { normalizeGcpModelId } from './gcp-model-names.js';
import { normalizeAzureModelId } from './azure-model-names.js';

/** Geographic and global cross-region inference-profile prefixes of Bedrock model ids. */
const PROFILE_PREFIX = /^(?:us|us-gov|eu|apac|jp|au|ca|global)\.(?=[a-z0-9-]+\.)/;

/** `arn:aws:bedrock:<region>:<account?>:foundation-model/<id>` and system inference profiles. */
const RESOLVABLE_ARN =
  /^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:(?:foundation-model|inference-profile)\/(.+)$/;

/** Bedrock model ids, each with the names CUR gives it (usage-type billing names, product names). */
const BEDROCK_MODELS: readonly { id: string; billingNames: readonly string[] }[] = [
  { id: 'anthropic.claude-3-haiku-20240307-v1:0', billingNames: ['Claude3Haiku'] },
  { id: 'anthropic.claude-3-sonnet-20240229-v1:0', billingNames: ['Claude3Sonnet'] },
  { id: 'anthropic.claude-3-opus-20240229-v1:0', billingNames: ['Claude3Opus'] },
  { id: 'anthropic.claude-3-5-sonnet-20240620-v1:0', billingNames: ['Claude3.5Sonnet'] },
  { id: 'anthropic.claude-3-5-haiku-20241022-v1:0', billingNames: ['Claude3.5Haiku'] },
  { id: 'anthropic.claude-3-7-sonnet-20250219-v1:0', billingNames: ['Claude3.7Sonnet'] },
  {
    id: 'anthropic.claude-sonnet-4-20250514-v1:0',
    billingNames: ['Claude4Sonnet', 'Claude Sonnet 4 (Amazon Bedrock Edition)'],
  },
  {
    id: 'anthropic.claude-opus-4-20250514-v1:0',
    billingNames: ['Claude4Opus', 'Claude Opus 4 (Amazon Bedrock Edition)'],
  },
  {
    id: 'anthropic.claude-opus-4-1-20250805-v1:0',
    billingNames: ['Claude4.1Opus', 'Claude Opus 4.1 (Amazon Bedrock Edition)'],
  },
  {
    id: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    billingNames: ['Claude4.5Sonnet', 'Claude Sonnet 4.5 (Amazon Bedrock Edition)'],
  },
  {
    id: 'anthropic.claude-haiku-4-5-20251001-v1:0',
    billingNames: ['Claude4.5Haiku', 'Claude Haiku 4.5 (Amazon Bedrock Edition)'],
  },
  { id: 'amazon.nova-pro-v1:0', billingNames: ['NovaPro'] },
  { id: 'amazon.nova-lite-v1:0', billingNames: ['NovaLite'] },
  { id: 'amazon.nova-micro-v1:0', billingNames: ['NovaMicro'] },
  { id: 'amazon.nova-premier-v1:0', billingNames: ['NovaPremier'] },
  { id: 'meta.llama3-1-8b-instruct-v1:0', billingNames: ['Llama3.1-8B'] },
  { id: 'meta.llama3-1-70b-instruct-v1:0', billingNames: ['Llama3.1-70B'] },
  { id: 'meta.llama3-1-405b-instruct-v1:0', billingNames: ['Llama3.1-405B'] },
  { id: 'meta.llama3-2-1b-instruct-v1:0', billingNames: ['Llama3.2-1B'] },
  { id: 'meta.llama3-2-3b-instruct-v1:0', billingNames: ['Llama3.2-3B'] },
  { id: 'meta.llama3-2-11b-instruct-v1:0', billingNames: ['Llama3.2-11B'] },
  { id: 'meta.llama3-2-90b-instruct-v1:0', billingNames: ['Llama3.2-90B'] },
  { id: 'meta.llama3-3-70b-instruct-v1:0', billingNames: ['Llama3.3-70B'] },
];

/** Billing names compare without case or whitespace, which no two distinct models differ by. */
function billingKey(name: string): string {
  return name.replace(/\s+/g, '').toLowerCase();
}

const BY_BILLING_NAME: ReadonlyMap<string, string> = new Map(
  BEDROCK_MODELS.flatMap(({ id, billingNames }) =>
    billingNames.map((name) => [billingKey(name), id] as const),
  ),
);

/**
 * The base model id for a provider's model name. For `aws`: a foundation-model or system
 * inference-profile ARN gives its id, geographic and global profile prefixes are dropped, and CUR
 * billing names map through the table above. Application-inference-profile ARNs stay as given: only
 * an inventory of the account's profiles could say which model one routes to.
 */
export function normalizeModelId(provider: string, model: string): string {
  const name = model.trim();
  if (provider === 'azure') return normalizeAzureModelId(name);
  if (provider === 'gcp') return normalizeGcpModelId(name);
  if (provider !== 'aws') return name;

  const fromArn = RESOLVABLE_ARN.exec(name)?.[1] ?? name;
  const base = fromArn.replace(PROFILE_PREFIX, '');
  return BY_BILLING_NAME.get(billingKey(base)) ?? base;
}

// Which provider and API a request is for, read from its host and path alone: the request body
// (the prompt) never reaches the interceptor.
import type { Provider } from '../attribution/index.js';
import type { DialectName } from './usage-dialects.js';

export interface ProviderRoute {
  provider: Provider;
  dialect: DialectName;
  /** The model the URL names (Bedrock, Vertex, Gemini); the response may name a finer one. */
  model?: string;
  /** Azure OpenAI's deployment name, which is not a model name. */
  deployment?: string;
  region?: string;
  account?: string;
}

const MAX_MODEL_CHARS = 256;

const BEDROCK_HOST = /^bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com$/;
const VERTEX_HOST = /^(?:([a-z0-9-]+)-)?aiplatform\.googleapis\.com$/;
const AZURE_HOST =
  /^([a-z0-9-]+)\.(?:openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/;

const BEDROCK_PATH =
  /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream|converse|converse-stream)$/;
const GOOGLE_MODEL_PATH =
  /^\/v1[a-z0-9]*\/(?:projects\/([^/]+)\/locations\/([^/]+)\/publishers\/([^/]+)\/)?models\/([^/:]+):([A-Za-z]+)$/;
const VERTEX_OPENAI_PATH =
  /^\/v1[a-z0-9]*\/projects\/([^/]+)\/locations\/([^/]+)\/endpoints\/openapi\/chat\/completions$/;
const AZURE_DEPLOYMENT_PATH =
  /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/;

/**
 * The provider route of a request, or null when it is not an inference call Argmin recognizes.
 * `path` is the request path without its query string.
 */
export function providerRoute(authority: string, path: string): ProviderRoute | null {
  const host = authority.toLowerCase().replace(/:\d+$/, '');

  const bedrock = BEDROCK_PATH.exec(path);
  if (bedrock) {
    const model = safeDecode(bedrock[1]!);
    const route: ProviderRoute = {
      provider: 'aws',
      dialect: bedrock[2]!.startsWith('converse') ? 'bedrock-converse' : 'bedrock-invoke',
      model: model.slice(0, MAX_MODEL_CHARS),
    };
    const region = BEDROCK_HOST.exec(host)?.[1];
    if (region) route.region = region;
    // An inference-profile or provisioned-model ARN names the account that serves the call.
    const arn = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]+):(\d{12}):/.exec(model);
    if (arn) {
      route.region ??= arn[1]!;
      route.account = arn[2]!;
    }
    return route;
  }

  const google = GOOGLE_MODEL_PATH.exec(path);
  if (google) {
    const [, project, location, publisher, model, method] = google;
    const route: ProviderRoute = { provider: 'gcp', dialect: 'gemini', model: model! };
    if (publisher === 'anthropic') {
      if (method !== 'rawPredict' && method !== 'streamRawPredict') return null;
      route.dialect = 'anthropic';
    } else if (method !== 'generateContent' && method !== 'streamGenerateContent') {
      return null;
    }
    if (project) route.account = project;
    const region = location ?? VERTEX_HOST.exec(host)?.[1];
    if (region && region !== 'global') route.region = region;
    return route;
  }

  const vertexOpenai = VERTEX_OPENAI_PATH.exec(path);
  if (vertexOpenai) {
    return {
      provider: 'gcp',
      dialect: 'openai-chat',
      account: vertexOpenai[1]!,
      region: vertexOpenai[2]!,
    };
  }

  const azureHost = AZURE_HOST.exec(host);
  const azureDeployment = AZURE_DEPLOYMENT_PATH.exec(path);
  if (azureDeployment) {
    const route: ProviderRoute = {
      provider: 'azure',
      dialect: 'openai-chat',
      deployment: safeDecode(azureDeployment[1]!).slice(0, MAX_MODEL_CHARS),
    };
    if (azureHost) route.account = azureHost[1]!;
    return route;
  }

  const openaiDialect = openaiPathDialect(path);
  if (openaiDialect) {
    const route: ProviderRoute = { provider: 'other', dialect: openaiDialect };
    if (host === 'api.openai.com') route.provider = 'openai';
    else if (azureHost) {
      route.provider = 'azure';
      route.account = azureHost[1]!;
    }
    return route;
  }

  if (path === '/v1/messages' || path === '/anthropic/v1/messages') {
    return { provider: host === 'api.anthropic.com' ? 'anthropic' : 'other', dialect: 'anthropic' };
  }
  return null;
}

/** OpenAI-shaped endpoints, whether OpenAI's own, Azure's `/openai/v1`, or a compatible server. */
function openaiPathDialect(path: string): DialectName | null {
  const tail = path.replace(/^\/openai/, '').replace(/^\/v1/, '');
  if (tail === '/chat/completions' || tail === '/completions' || tail === '/embeddings') {
    return 'openai-chat';
  }
  if (tail === '/responses') return 'openai-responses';
  return null;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

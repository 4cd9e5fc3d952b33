// Azure Blob Storage, read-only: List Blobs to list an export's files, Get Blob to stream one.
// Nothing else is ever sent, which the Storage Blob Data Reader assignment in config/cloud-policies/
// relies on.
import type { Readable } from 'node:stream';
import {
  ClientSecretCredential,
  DefaultAzureCredential,
  type TokenCredential,
} from '@azure/identity';
import {
  AnonymousCredential,
  ContainerClient,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { SourceFile } from './format-reader.js';
import type { SourceAccess } from './source-access.js';
import { SourceError } from './source-error.js';
import { remoteFailure } from './source-failure.js';
import { filesOfPrefix, objectUrl, remoteLocation, type RemoteLocation } from './source-url.js';

const LIST_PAGE_SIZE = 1_000;

type BlobLocation = Extract<RemoteLocation, { scheme: 'azure-blob' }>;

export async function listAzureBlob(url: string, access: SourceAccess): Promise<SourceFile[]> {
  const location = blobLocation(url);
  const container = containerClient(location, access);
  const keys: string[] = [];
  try {
    const pages = container
      .listBlobsFlat({ prefix: location.prefix })
      .byPage({ maxPageSize: LIST_PAGE_SIZE });
    for await (const page of pages) {
      for (const blob of page.segment.blobItems) keys.push(blob.name);
    }
  } catch (err) {
    throw remoteFailure(url, 'list', err);
  }
  const files = filesOfPrefix(location.prefix, keys);
  if (files.length === 0) {
    throw new SourceError('SOURCE_NOT_FOUND', `source ${url} names no blob`, { file: url });
  }
  return files.map(({ key, name }) => ({ path: objectUrl(location, key), name }));
}

export async function openAzureBlob(path: string, access: SourceAccess): Promise<Readable> {
  const location = blobLocation(path);
  const blob = containerClient(location, access).getBlobClient(location.prefix);
  try {
    const response = await blob.download();
    if (!response.readableStreamBody) throw new Error('empty response body');
    return response.readableStreamBody as Readable;
  } catch (err) {
    throw remoteFailure(path, 'read', err);
  }
}

function blobLocation(url: string): BlobLocation {
  const location = remoteLocation(url);
  if (location?.scheme !== 'azure-blob') {
    throw new SourceError('SOURCE_URL_INVALID', `${url} is not an Azure Blob url`, { field: url });
  }
  return location;
}

/** The export's container, reached with the Secret's credential or the workload's identity. */
function containerClient(location: BlobLocation, access: SourceAccess): ContainerClient {
  // A test endpoint addresses the account in the path, as the Azurite emulator does.
  const service = access.endpoints?.azureBlob
    ? `${access.endpoints.azureBlob.replace(/\/$/, '')}/${location.account}`
    : `https://${location.host}`;
  const url = `${service}/${encodeURIComponent(location.container)}`;
  const credential = access.credentials
    ? secretCredential(access.credentials.reveal(), location.account)
    : workloadCredential(access);
  if ('sasToken' in credential) {
    return new ContainerClient(`${url}?${credential.sasToken}`, new AnonymousCredential());
  }
  return new ContainerClient(url, credential.credential);
}

type Credential =
  { credential: StorageSharedKeyCredential | TokenCredential } | { sasToken: string };

function workloadCredential(access: SourceAccess): Credential {
  // Azure Workload Identity sets the client and tenant in the pod's environment; the connector's
  // own ids win where it names them.
  return {
    credential: new DefaultAzureCredential({
      ...(access.azureTenantId ? { tenantId: access.azureTenantId } : {}),
      ...(access.azureClientId
        ? {
            workloadIdentityClientId: access.azureClientId,
            managedIdentityClientId: access.azureClientId,
          }
        : {}),
    }),
  };
}

/**
 * The Secret's value as JSON, one of: a service principal `{tenantId, clientId, clientSecret}`, a
 * SAS token `{sasToken}` (read and list permissions only), or a storage `{accountKey}`.
 */
function secretCredential(text: string, account: string): Credential {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const secret = (parsed ?? {}) as Record<string, unknown>;
  const { tenantId, clientId, clientSecret, sasToken, accountKey } = secret;
  if (
    typeof tenantId === 'string' &&
    typeof clientId === 'string' &&
    typeof clientSecret === 'string'
  ) {
    return { credential: new ClientSecretCredential(tenantId, clientId, clientSecret) };
  }
  if (typeof sasToken === 'string') return { sasToken: sasToken.replace(/^\?/, '') };
  if (typeof accountKey === 'string') {
    return { credential: new StorageSharedKeyCredential(account, accountKey) };
  }
  throw new SourceError(
    'SOURCE_CREDENTIALS_INVALID',
    'the credentials Secret must hold JSON {"tenantId", "clientId", "clientSecret"}, ' +
      '{"sasToken"} or {"accountKey"}',
    { field: 'spec.credentialsSecretRef' },
  );
}

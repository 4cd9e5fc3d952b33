// Google Cloud Storage, read-only: objects.list to list an export's files, a media download to
// stream one. Nothing else is ever sent, which the custom role in config/cloud-policies/ relies on.
import type { Readable } from 'node:stream';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import type { SourceFile } from './format-reader.js';
import type { SourceAccess } from './source-access.js';
import { SourceError } from './source-error.js';
import { remoteFailure } from './source-failure.js';
import { filesOfPrefix, objectUrl, remoteLocation } from './source-url.js';

const LIST_PAGE_SIZE = 1_000;

export async function listGcs(url: string, access: SourceAccess): Promise<SourceFile[]> {
  const { bucket, prefix } = gcsLocation(url);
  const storage = new Storage(googleOptions(access, access.endpoints?.gcs));
  const keys: string[] = [];
  try {
    let pageToken: string | undefined;
    do {
      const [objects, next] = await storage.bucket(bucket).getFiles({
        prefix,
        autoPaginate: false,
        maxResults: LIST_PAGE_SIZE,
        ...(pageToken ? { pageToken } : {}),
      });
      for (const object of objects) keys.push(object.name);
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
  } catch (err) {
    throw remoteFailure(url, 'list', err);
  }
  const files = filesOfPrefix(prefix, keys);
  if (files.length === 0) {
    throw new SourceError('SOURCE_NOT_FOUND', `source ${url} names no object`, { file: url });
  }
  return files.map(({ key, name }) => ({
    path: objectUrl({ scheme: 'gs', bucket, prefix }, key),
    name,
  }));
}

export function openGcs(path: string, access: SourceAccess): Readable {
  const { bucket, prefix: name } = gcsLocation(path);
  const storage = new Storage(googleOptions(access, access.endpoints?.gcs));
  // The stored bytes as they are: a gzip-encoded object is gunzipped by its magic bytes downstream,
  // the same as a `.gz` object, and the download's checksum is checked against what was stored.
  return storage.bucket(bucket).file(name).createReadStream({ decompress: false });
}

function gcsLocation(url: string): { bucket: string; prefix: string } {
  const location = remoteLocation(url);
  if (location?.scheme !== 'gs') {
    throw new SourceError('SOURCE_URL_INVALID', `${url} is not a gs:// url`, { field: url });
  }
  return location;
}

/**
 * Options for a Google client: the Secret's service account key, or the workload's own identity
 * (GKE Workload Identity through the default chain). A test endpoint is still signed, so the
 * double sees the same Authorization header the real API would.
 */
export function googleOptions(
  access: SourceAccess,
  apiEndpoint: string | undefined,
): StorageOptions {
  const options: StorageOptions = {
    ...(access.gcpProjectId ? { projectId: access.gcpProjectId } : {}),
    ...(apiEndpoint ? { apiEndpoint, useAuthWithCustomEndpoint: true } : {}),
  };
  if (access.googleAuthClient) {
    options.authClient = access.googleAuthClient as StorageOptions['authClient'];
  } else if (access.credentials) {
    options.credentials = serviceAccountKey(access.credentials.reveal());
  }
  return options;
}

interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  project_id?: string;
}

/** The Secret's value as a service account key file, the JSON the Cloud console downloads. */
function serviceAccountKey(text: string): ServiceAccountKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const key = (parsed ?? {}) as Partial<Record<keyof ServiceAccountKey, unknown>>;
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new SourceError(
      'SOURCE_CREDENTIALS_INVALID',
      'the credentials Secret must hold a service account key (JSON with client_email and ' +
        'private_key)',
      { field: 'spec.credentialsSecretRef' },
    );
  }
  return key as ServiceAccountKey;
}

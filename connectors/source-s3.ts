// Amazon S3, read-only: ListObjectsV2 to list an export's files, GetObject to stream one. Nothing
// else is ever sent, which the least-privilege policy in config/cloud-policies/ relies on.
import type { Readable } from 'node:stream';
import { GetObjectCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import type { SourceFile } from './format-reader.js';
import type { SourceAccess } from './source-access.js';
import { SourceError } from './source-error.js';
import { remoteFailure } from './source-failure.js';
import { filesOfPrefix, objectUrl, remoteLocation } from './source-url.js';

const DEFAULT_REGION = 'us-east-1';

export async function listS3(url: string, access: SourceAccess): Promise<SourceFile[]> {
  const { bucket, prefix } = s3Location(url);
  const client = s3Client(access);
  const keys: string[] = [];
  try {
    // The folder, or the one object the prefix names; a sibling such as `prefix-old/` is filtered.
    const pages = paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix });
    for await (const page of pages) {
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    }
  } catch (err) {
    throw remoteFailure(url, 'list', err);
  } finally {
    client.destroy();
  }
  const files = filesOfPrefix(prefix, keys);
  if (files.length === 0) {
    throw new SourceError('SOURCE_NOT_FOUND', `source ${url} names no object`, { file: url });
  }
  return files.map(({ key, name }) => ({
    path: objectUrl({ scheme: 's3', bucket, prefix }, key),
    name,
  }));
}

export async function openS3(path: string, access: SourceAccess): Promise<Readable> {
  const { bucket, prefix: key } = s3Location(path);
  const client = s3Client(access);
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = object.Body as Readable | undefined;
    if (!body) throw new Error('empty response body');
    // The client's sockets belong to the body until it is read or dropped.
    body.once('close', () => client.destroy());
    return body;
  } catch (err) {
    client.destroy();
    throw remoteFailure(path, 'read', err);
  }
}

function s3Location(url: string): { bucket: string; prefix: string } {
  const location = remoteLocation(url);
  if (location?.scheme !== 's3') {
    throw new SourceError('SOURCE_URL_INVALID', `${url} is not an s3:// url`, { field: url });
  }
  return location;
}

function s3Client(access: SourceAccess): S3Client {
  const endpoint = access.endpoints?.s3;
  return new S3Client({
    region: access.awsRegion ?? DEFAULT_REGION,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(access.credentials ? { credentials: awsKeys(access.credentials.reveal()) } : {}),
    // Two retries ride out a throttled list; more would hide a misconfigured bucket for minutes.
    maxAttempts: 3,
  });
}

interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The Secret's value as AWS keys: JSON `{accessKeyId, secretAccessKey, sessionToken?}`. */
export function awsKeys(text: string): AwsKeys {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const keys = (parsed ?? {}) as Partial<Record<keyof AwsKeys, unknown>>;
  if (typeof keys.accessKeyId !== 'string' || typeof keys.secretAccessKey !== 'string') {
    // The message names the shape expected and nothing of what the Secret holds.
    throw new SourceError(
      'SOURCE_CREDENTIALS_INVALID',
      'the credentials Secret must hold JSON {"accessKeyId", "secretAccessKey", "sessionToken"?}',
      { field: 'spec.credentialsSecretRef' },
    );
  }
  return {
    accessKeyId: keys.accessKeyId,
    secretAccessKey: keys.secretAccessKey,
    ...(typeof keys.sessionToken === 'string' ? { sessionToken: keys.sessionToken } : {}),
  };
}

// A faithful double of the Cloud Storage JSON API for exactly the calls Argmin makes: objects.list
// (`GET /storage/v1/b/<bucket>/o`, paged with page tokens) and the media download
// (`GET /storage/v1/b/<bucket>/o/<object>?alt=media`, with the `x-goog-hash` checksums the client
// validates). Everything else is refused and fails the suite.
import { createHash } from 'node:crypto';
import { CRC32C } from '@google-cloud/storage';
import {
  page,
  startReadOnlyDouble,
  type Buckets,
  type ReadOnlyDouble,
} from './read-only-double.js';

/** Objects an objects.list page holds here: small, so every listing crosses pages. */
export const GCS_PAGE_OBJECTS = 2;

const JSON_TYPE = { 'content-type': 'application/json; charset=UTF-8' };

export function startGcsDouble(buckets: Buckets): Promise<ReadOnlyDouble> {
  return startReadOnlyDouble((_request, url) => {
    const match = /^(?:\/download)?\/storage\/v1\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(url.pathname);
    if (!match) return undefined;
    const bucketName = decodeURIComponent(match[1]!);
    const bucket = buckets.get(bucketName);
    if (!bucket) return gcsError(404, `The specified bucket does not exist.`);

    if (match[2] === undefined) {
      const prefix = url.searchParams.get('prefix') ?? '';
      const token = url.searchParams.get('pageToken') ?? undefined;
      const after = token === undefined ? undefined : Buffer.from(token, 'base64').toString();
      const { keys, next } = page([...bucket.keys()], prefix, GCS_PAGE_OBJECTS, after);
      const items = keys.map((name) => ({
        kind: 'storage#object',
        name,
        bucket: bucketName,
        size: String(bucket.get(name)!.length),
        contentType: 'application/octet-stream',
      }));
      const body = {
        kind: 'storage#objects',
        ...(items.length > 0 ? { items } : {}),
        ...(next ? { nextPageToken: Buffer.from(next).toString('base64') } : {}),
      };
      return { status: 200, headers: JSON_TYPE, body: JSON.stringify(body) };
    }

    // Object metadata (a GET without alt=media) is a read Argmin does not make.
    if (url.searchParams.get('alt') !== 'media') return undefined;
    const body = bucket.get(decodeURIComponent(match[2]));
    if (!body) return gcsError(404, 'No such object.');
    const crc32c = new CRC32C();
    crc32c.update(body);
    const md5 = createHash('md5').update(body).digest('base64');
    return {
      status: 200,
      headers: {
        'content-type': 'application/octet-stream',
        'x-goog-hash': `crc32c=${crc32c.toString()},md5=${md5}`,
        'x-goog-stored-content-encoding': 'identity',
        'x-goog-generation': '1',
      },
      body,
    };
  });
}

function gcsError(code: number, message: string) {
  const body = { error: { code, message, errors: [{ message, reason: 'notFound' }] } };
  return { status: code, headers: JSON_TYPE, body: JSON.stringify(body) };
}

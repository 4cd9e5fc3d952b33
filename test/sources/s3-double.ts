// A faithful double of the Amazon S3 REST API, path-style, for exactly the calls Argmin makes:
// ListObjectsV2 (`GET /<bucket>?list-type=2`, paged with continuation tokens) and GetObject
// (`GET /<bucket>/<key>`). Everything else is refused and fails the suite.
import { createHash } from 'node:crypto';
import {
  page,
  startReadOnlyDouble,
  xmlEscape,
  type Buckets,
  type DoubleReply,
  type ReadOnlyDouble,
} from './read-only-double.js';

/** Keys a ListObjectsV2 page holds here: small, so every listing crosses pages. */
export const S3_PAGE_KEYS = 2;

const XML = { 'content-type': 'application/xml' };

export function startS3Double(buckets: Buckets): Promise<ReadOnlyDouble> {
  return startReadOnlyDouble((_request, url) => {
    const [bucketName, ...rest] = url.pathname.slice(1).split('/');
    const bucket = buckets.get(decodeURIComponent(bucketName ?? ''));
    if (!bucket) return s3Error(404, 'NoSuchBucket');

    if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) {
      if (url.searchParams.get('list-type') !== '2') return undefined;
      return listObjectsV2(bucketName!, bucket, url.searchParams);
    }
    // GetObject carries only the SDK's `x-id`; `?acl`, `?tagging` and the like are other calls.
    if ([...url.searchParams.keys()].some((name) => name !== 'x-id')) return undefined;
    const key = rest.map(decodeURIComponent).join('/');
    const body = bucket.get(key);
    if (!body) return s3Error(404, 'NoSuchKey');
    return {
      status: 200,
      headers: {
        'content-type': 'application/octet-stream',
        etag: `"${createHash('md5').update(body).digest('hex')}"`,
        'last-modified': new Date(0).toUTCString(),
      },
      body,
    };
  });
}

function listObjectsV2(name: string, bucket: Map<string, Buffer>, query: URLSearchParams) {
  const prefix = query.get('prefix') ?? '';
  const token = query.get('continuation-token') ?? undefined;
  const after = token === undefined ? undefined : Buffer.from(token, 'base64').toString('utf8');
  const { keys, next } = page([...bucket.keys()], prefix, S3_PAGE_KEYS, after);
  const contents = keys
    .map(
      (key) =>
        `<Contents><Key>${xmlEscape(key)}</Key><LastModified>1970-01-01T00:00:00.000Z` +
        `</LastModified><Size>${bucket.get(key)!.length}</Size>` +
        `<StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join('');
  const continuation = next
    ? `<NextContinuationToken>${Buffer.from(next).toString('base64')}</NextContinuationToken>`
    : '';
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    `<Name>${xmlEscape(name)}</Name><Prefix>${xmlEscape(prefix)}</Prefix>` +
    `<KeyCount>${keys.length}</KeyCount><MaxKeys>${S3_PAGE_KEYS}</MaxKeys>` +
    `<IsTruncated>${next ? 'true' : 'false'}</IsTruncated>${contents}${continuation}` +
    `</ListBucketResult>`;
  return { status: 200, headers: XML, body: xml };
}

function s3Error(status: number, code: string): DoubleReply {
  return {
    status,
    headers: XML,
    body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`,
  };
}

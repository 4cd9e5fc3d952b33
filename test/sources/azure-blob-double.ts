// A faithful double of the Azure Blob Storage REST API, addressed path-style as the Azurite
// emulator is (`/<account>/<container>/...`), for exactly the calls Argmin makes: List Blobs
// (`GET ?restype=container&comp=list`, paged with markers) and Get Blob (`GET /<blob>`).
// Everything else is refused and fails the suite.
import { createHash, randomUUID } from 'node:crypto';
import {
  page,
  startReadOnlyDouble,
  xmlEscape,
  type DoubleReply,
  type ReadOnlyDouble,
} from './read-only-double.js';

/** Blobs a List Blobs page holds here: small, so every listing crosses pages. */
export const AZURE_PAGE_BLOBS = 2;

const VERSION = '2025-01-05';
const SAS_PARAMS = new Set(['sv', 'ss', 'srt', 'sp', 'se', 'st', 'spr', 'sig', 'sr', 'si']);

/** Containers by account, then blobs by container and name. */
export type Accounts = Map<string, Map<string, Map<string, Buffer>>>;

export function startAzureBlobDouble(accounts: Accounts): Promise<ReadOnlyDouble> {
  return startReadOnlyDouble((_request, url) => {
    const [account, container, ...blob] = url.pathname.slice(1).split('/').map(decodeURIComponent);
    const blobs = accounts.get(account ?? '')?.get(container ?? '');
    if (!blobs) return azureError(404, 'ContainerNotFound');
    const query = url.searchParams;

    if (blob.length === 0 || (blob.length === 1 && blob[0] === '')) {
      if (query.get('restype') !== 'container' || query.get('comp') !== 'list') return undefined;
      return listBlobs(`${account}`, `${container}`, blobs, query);
    }
    // Get Blob takes no query but a SAS; `?comp=metadata`, `?comp=tags` and the like are other calls.
    if ([...query.keys()].some((name) => !SAS_PARAMS.has(name))) return undefined;
    const body = blobs.get(blob.join('/'));
    if (!body) return azureError(404, 'BlobNotFound');
    return {
      status: 200,
      headers: {
        ...common(),
        'content-type': 'application/octet-stream',
        'content-md5': createHash('md5').update(body).digest('base64'),
        etag: `"0x${createHash('md5').update(body).digest('hex').slice(0, 15).toUpperCase()}"`,
        'last-modified': new Date(0).toUTCString(),
        'x-ms-blob-type': 'BlockBlob',
        'accept-ranges': 'bytes',
      },
      body,
    };
  });
}

function listBlobs(
  account: string,
  container: string,
  blobs: Map<string, Buffer>,
  query: URLSearchParams,
): DoubleReply {
  const prefix = query.get('prefix') ?? '';
  const marker = query.get('marker') || undefined;
  const { keys, next } = page([...blobs.keys()], prefix, AZURE_PAGE_BLOBS, marker);
  const items = keys
    .map(
      (name) =>
        `<Blob><Name>${xmlEscape(name)}</Name><Properties>` +
        `<Last-Modified>${new Date(0).toUTCString()}</Last-Modified><Etag>0x1</Etag>` +
        `<Content-Length>${blobs.get(name)!.length}</Content-Length>` +
        `<Content-Type>application/octet-stream</Content-Type><BlobType>BlockBlob</BlobType>` +
        `</Properties></Blob>`,
    )
    .join('');
  const xml =
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<EnumerationResults ServiceEndpoint="http://double/${xmlEscape(account)}/" ` +
    `ContainerName="${xmlEscape(container)}"><Prefix>${xmlEscape(prefix)}</Prefix>` +
    `<MaxResults>${AZURE_PAGE_BLOBS}</MaxResults><Blobs>${items}</Blobs>` +
    `<NextMarker>${next ? xmlEscape(next) : ''}</NextMarker></EnumerationResults>`;
  return { status: 200, headers: { ...common(), 'content-type': 'application/xml' }, body: xml };
}

function common(): Record<string, string> {
  return {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': VERSION,
    date: new Date().toUTCString(),
  };
}

function azureError(status: number, code: string): DoubleReply {
  return {
    status,
    headers: { ...common(), 'content-type': 'application/xml', 'x-ms-error-code': code },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`,
  };
}

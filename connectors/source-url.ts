// The remote places a source url can name. A listed file's path is the url of that one object, so
// the same parse serves listing a prefix and opening a file.
import { SourceError } from './source-error.js';

export type RemoteLocation =
  | { scheme: 's3'; bucket: string; prefix: string }
  | { scheme: 'gs'; bucket: string; prefix: string }
  | { scheme: 'azure-blob'; account: string; host: string; container: string; prefix: string }
  | { scheme: 'bigquery'; project: string; dataset: string; table: string };

const BUCKET_URL = /^(s3|gs):\/\/([^/]+)(?:\/(.*))?$/s;
const BIGQUERY_URL = /^bigquery:\/\/([^/]+)\/([^/]+)\/([^/]+)\/?$/;
// The public cloud and the sovereign clouds; a custom domain is not recognized as Azure Blob.
const AZURE_BLOB_HOST =
  /^([a-z0-9]{3,24})\.blob\.core\.(windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)$/;

/** The remote location a url names, or undefined when the url is not a remote source url. */
export function remoteLocation(url: string): RemoteLocation | undefined {
  const bucket = BUCKET_URL.exec(url);
  if (bucket) {
    const [, scheme, name, prefix] = bucket as unknown as [string, 's3' | 'gs', string, string?];
    return { scheme, bucket: name, prefix: prefix ?? '' };
  }
  if (url.startsWith('bigquery:')) {
    const table = BIGQUERY_URL.exec(url);
    if (!table) {
      throw new SourceError(
        'SOURCE_URL_INVALID',
        `source url ${url} must name a table as bigquery://<project>/<dataset>/<table>`,
        { field: url },
      );
    }
    const [, project, dataset, name] = table as unknown as [string, string, string, string];
    return { scheme: 'bigquery', project, dataset, table: name };
  }
  if (url.startsWith('https://')) return azureBlobLocation(url);
  return undefined;
}

/** An Azure Blob url's parts; undefined for an https url of another host, which is no source. */
function azureBlobLocation(url: string): RemoteLocation | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new SourceError('SOURCE_URL_INVALID', `source url ${url} is not a valid url`, {
      field: url,
      cause: err,
    });
  }
  const host = AZURE_BLOB_HOST.exec(parsed.hostname);
  if (!host) return undefined;
  const [container, ...rest] = parsed.pathname.replace(/^\//, '').split('/');
  if (!container || parsed.search !== '') {
    throw new SourceError(
      'SOURCE_URL_INVALID',
      `source url ${url} must name a blob container as ` +
        'https://<account>.blob.core.windows.net/<container>/<prefix>, without a query',
      { field: url },
    );
  }
  return {
    scheme: 'azure-blob',
    account: host[1]!,
    host: parsed.hostname,
    container: decodeURIComponent(container),
    prefix: rest.map(decodeURIComponent).join('/'),
  };
}

/** The url of one object in a bucket or container, the path a listed file carries. */
export function objectUrl(location: RemoteLocation, key: string): string {
  switch (location.scheme) {
    case 's3':
    case 'gs':
      return `${location.scheme}://${location.bucket}/${key}`;
    case 'azure-blob':
      return `https://${location.host}/${encodeURIComponent(location.container)}/${key
        .split('/')
        .map(encodeURIComponent)
        .join('/')}`;
    case 'bigquery':
      return `bigquery://${location.project}/${location.dataset}/${location.table}`;
  }
}

/**
 * The objects a prefix names, as a folder does on disk: an object whose key is the prefix itself
 * is that one file; otherwise every object under `prefix/`, named relative to it. Keys ending in
 * `/` are folder markers that consoles create, not files.
 */
export function filesOfPrefix(prefix: string, keys: string[]): { key: string; name: string }[] {
  if (prefix !== '' && !prefix.endsWith('/') && keys.includes(prefix)) {
    return [{ key: prefix, name: prefix.slice(prefix.lastIndexOf('/') + 1) }];
  }
  const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return keys
    .filter((key) => key.startsWith(folder) && !key.endsWith('/'))
    .map((key) => ({ key, name: key.slice(folder.length) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// Resolving a CloudConnector source url to the files it names: a local folder or file, or objects
// in S3, Cloud Storage or Azure Blob Storage, or a BigQuery table.
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceFile } from './format-reader.js';
import { currentSourceAccess, type SourceAccess } from './source-access.js';
import { listAzureBlob } from './source-azure-blob.js';
import { listBigQuery } from './source-bigquery.js';
import { SourceError } from './source-error.js';
import { listGcs } from './source-gcs.js';
import { listS3 } from './source-s3.js';
import { remoteLocation } from './source-url.js';

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * Resolves a source url against the folder of the manifest that declared it. `file://data/cur/`
 * is relative to `baseDir`, `file:///abs/path` absolute. A folder means every file under it,
 * recursively, sorted by path; a file means that file. A bucket prefix (`s3://bucket/prefix`,
 * `gs://bucket/prefix`, `https://<account>.blob.core.windows.net/<container>/<prefix>`) means the
 * same of the objects under it, and their paths are the objects' urls; a BigQuery table
 * (`bigquery://<project>/<dataset>/<table>`) is one file of its rows.
 */
export async function listSourceFiles(
  url: string,
  baseDir: string,
  access: SourceAccess = currentSourceAccess(),
): Promise<SourceFile[]> {
  const remote = remoteLocation(url);
  if (remote?.scheme === 's3') return listS3(url, access);
  if (remote?.scheme === 'gs') return listGcs(url, access);
  if (remote?.scheme === 'azure-blob') return listAzureBlob(url, access);
  if (remote?.scheme === 'bigquery') return listBigQuery(url, access);

  const path = resolveFileUrl(url, baseDir);

  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new SourceError('SOURCE_NOT_FOUND', `source ${url} not found at ${path}`, {
      file: path,
      cause: err,
    });
  }

  if (!info.isDirectory()) return [{ path, name: basename(path) }];
  const paths = await filesUnder(path);
  return paths
    .map((file) => ({ path: file, name: relative(path, file).split(sep).join('/') }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function resolveFileUrl(url: string, baseDir: string): string {
  const scheme = SCHEME.exec(url)?.[1];
  if (scheme === undefined) {
    throw new SourceError(
      'SOURCE_URL_INVALID',
      `source url ${url} has no scheme; use file://, s3://, gs://, https:// or bigquery://`,
      { field: url },
    );
  }
  if (scheme.toLowerCase() !== 'file') {
    throw new SourceError(
      'SOURCE_SCHEME_UNSUPPORTED',
      `source url scheme ${scheme}: is not supported; use file://, s3://, gs://, ` +
        'https://<account>.blob.core.windows.net/ or bigquery://',
      { field: scheme },
    );
  }

  const rest = url.slice(scheme.length + 1);
  if (!rest.startsWith('//')) {
    throw new SourceError('SOURCE_URL_INVALID', `source url ${url} must start with file://`, {
      field: url,
    });
  }
  try {
    if (rest.startsWith('///')) return fileURLToPath(url);
    return resolve(baseDir, decodeURIComponent(rest.slice(2)));
  } catch (err) {
    throw new SourceError('SOURCE_URL_INVALID', `source url ${url} is not a valid file url`, {
      field: url,
      cause: err,
    });
  }
}

/** Regular files under `dir` at any depth; symbolic links are followed to files, not to folders. */
async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...(await filesUnder(path)));
    } else if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(path)))) {
      found.push(path);
    }
  }
  return found;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

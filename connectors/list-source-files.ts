// Resolving a CloudConnector source url to the files it names.
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceFile } from './format-reader.js';
import { SourceError } from './source-error.js';

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * Resolves a source url against the folder of the manifest that declared it. `file://data/cur/`
 * is relative to `baseDir`, `file:///abs/path` absolute. A folder means every file under it,
 * recursively, sorted by path; a file means that file.
 */
export async function listSourceFiles(url: string, baseDir: string): Promise<SourceFile[]> {
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
    throw new SourceError('SOURCE_URL_INVALID', `source url ${url} has no scheme; use file://`, {
      field: url,
    });
  }
  if (scheme.toLowerCase() !== 'file') {
    throw new SourceError(
      'SOURCE_SCHEME_UNSUPPORTED',
      `source url scheme ${scheme}: is not supported; only file:// is`,
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

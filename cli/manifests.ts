// Reads a folder of Kubernetes manifests as the cluster's state: every `*.yaml` / `*.yml` under it,
// multi-document files included, each object remembered with the file and line it came from.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseAllDocuments, isMap, isSeq, type Document } from 'yaml';
import {
  addObject,
  emptyClusterState,
  type ClusterState,
  type KubeObject,
  type Quarantined,
} from '../attribution/index.js';

export interface ManifestDocument {
  /** Path as the user named it: relative to the working directory when under it. */
  file: string;
  /** 1-based line where the document starts. */
  line: number;
  object: KubeObject;
  /** The line of a field, e.g. `['metadata', 'annotations', 'argmin.io/cost-center']`. */
  lineOf(fieldPath: (string | number)[]): number;
}

export interface LoadedManifests {
  dir: string;
  state: ClusterState;
  documents: ManifestDocument[];
  /** Documents that could not be read: each names file, line and, where one is at fault, field. */
  problems: Quarantined[];
}

export class ManifestError extends Error {
  constructor(
    readonly code: 'MANIFEST_DIR_NOT_FOUND',
    message: string,
  ) {
    super(message);
    this.name = 'ManifestError';
  }
}

const MANIFEST_SOURCE = 'manifests';

export async function loadManifests(dir: string): Promise<LoadedManifests> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) {
    throw new ManifestError('MANIFEST_DIR_NOT_FOUND', `${dir}: no such folder of manifests`);
  }
  const loaded: LoadedManifests = { dir, state: emptyClusterState(), documents: [], problems: [] };

  for (const file of await manifestFiles(dir)) {
    const text = await readFile(file, 'utf8');
    const shown = displayPath(file);
    const lineCounter = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      readDocument(doc, shown, lineCounter, loaded);
    }
  }
  return loaded;
}

function readDocument(
  doc: Document.Parsed,
  file: string,
  lineCounter: LineCounter,
  loaded: LoadedManifests,
): void {
  const lineAt = (offset: number | undefined) => lineCounter.linePos(offset ?? 0).line;
  const docLine = lineAt(doc.contents?.range?.[0] ?? doc.range[0]);
  const problem = (line: number, field: string | null, reason: string) =>
    loaded.problems.push({ source: { connector: MANIFEST_SOURCE, file, line }, field, reason });

  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    problem(lineAt(err.pos[0]), null, `not valid YAML: ${err.message.split('\n')[0]}`);
    return;
  }
  if (doc.contents === null) return;
  if (!isMap(doc.contents)) {
    problem(docLine, null, 'a manifest must be a mapping with apiVersion and kind');
    return;
  }

  const object = doc.toJS() as KubeObject;
  const lineOf = (fieldPath: (string | number)[]) => {
    for (let n = fieldPath.length; n > 0; n--) {
      const node = doc.getIn(fieldPath.slice(0, n), true) as { range?: [number, number] } | null;
      const range = node && (isMap(node) || isSeq(node) || 'range' in node) ? node.range : null;
      if (range) return lineAt(range[0]);
    }
    return docLine;
  };
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof object[field] !== 'string') {
      problem(docLine, field, `${field} is required`);
      return;
    }
  }
  if (typeof object.metadata?.name !== 'string' || object.metadata.name === '') {
    problem(lineOf(['metadata']), 'metadata.name', 'metadata.name is required');
    return;
  }

  loaded.documents.push({ file, line: docLine, object, lineOf });
  addObject(loaded.state, object, { file, line: docLine });
}

async function manifestFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (at: string) => {
    const entries = await readdir(at, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (/\.ya?ml$/.test(entry.name)) files.push(full);
    }
  };
  await walk(dir);
  return files;
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

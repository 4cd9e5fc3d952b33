// Reads the CustomResourceDefinitions shipped beside this module. The YAML files are the one
// source of truth: the cluster installs them, and the validator, the CLI and the API test double
// read the very same files.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { CustomResourceDefinition } from './schema.js';

export type CrdErrorCode = 'CRD_DIR_UNREADABLE' | 'CRD_INVALID' | 'CRD_RULE_INVALID';

export class CrdError extends Error {
  override readonly name = 'CrdError';

  constructor(
    readonly code: CrdErrorCode,
    message: string,
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(file ? `${file}: ${message}` : message, options);
  }
}

/** `crds/` from source and `dist/crds/` from the build: the YAML is copied next to the module. */
const CRD_DIR = fileURLToPath(new URL('.', import.meta.url));

let cached: CustomResourceDefinition[] | undefined;

/** Argmin's CRDs, read once; pass `dir` to read another folder (not cached). */
export function loadCrds(dir?: string): CustomResourceDefinition[] {
  if (dir === undefined && cached) return cached;
  const from = dir ?? CRD_DIR;

  let files: string[];
  try {
    files = readdirSync(from)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch (err) {
    throw new CrdError('CRD_DIR_UNREADABLE', 'cannot list CustomResourceDefinitions', from, {
      cause: err,
    });
  }

  const crds: CustomResourceDefinition[] = [];
  for (const name of files) {
    const file = path.join(from, name);
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (doc.errors.length > 0) {
        throw new CrdError('CRD_INVALID', `not valid YAML: ${doc.errors[0]!.message}`, file);
      }
      const object = doc.toJS() as Partial<CustomResourceDefinition> | null;
      // kustomization.yaml lives in the same folder; only CRDs are of interest here.
      if (object?.kind !== 'CustomResourceDefinition') continue;
      crds.push(checked(object, file));
    }
  }
  if (dir === undefined) cached = crds;
  return crds;
}

function checked(object: Partial<CustomResourceDefinition>, file: string) {
  const spec = object.spec;
  if (!spec?.group || !spec.names?.kind || !Array.isArray(spec.versions)) {
    throw new CrdError('CRD_INVALID', 'needs spec.group, spec.names.kind and spec.versions', file);
  }
  for (const version of spec.versions) {
    if (!version.schema?.openAPIV3Schema) {
      throw new CrdError('CRD_INVALID', `version ${version.name} has no openAPIV3Schema`, file);
    }
  }
  return object as CustomResourceDefinition;
}

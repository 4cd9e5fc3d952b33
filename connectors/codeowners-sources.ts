// The CODEOWNERS file of each repository an AttributionPolicy names, read from its url and parsed.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AttributionPolicy, OwnershipLookup, Quarantined } from '../attribution/index.js';
import { parseCodeowners } from './codeowners.js';
import { listSourceFiles } from './list-source-files.js';
import { SourceError } from './source-error.js';

export interface LoadedCodeowners {
  byRepository: Map<string, OwnershipLookup>;
  problems: Quarantined[];
}

/**
 * Reads each repository's CODEOWNERS; relative `file://` urls resolve against `baseDirOf(policy)`,
 * by default the folder of the manifest that declared the policy.
 */
export async function loadCodeowners(
  policies: AttributionPolicy[],
  baseDirOf: (policy: AttributionPolicy) => string = (p) => path.dirname(p.origin.file),
): Promise<LoadedCodeowners> {
  const loaded: LoadedCodeowners = { byRepository: new Map(), problems: [] };

  for (const policy of policies) {
    const baseDir = baseDirOf(policy);
    for (const [index, repo] of (policy.spec.repositories ?? []).entries()) {
      const refuse = (reason: string) =>
        loaded.problems.push({
          source: { connector: 'manifests', file: policy.origin.file, line: policy.origin.line },
          field: `spec.repositories[${index}].codeowners`,
          reason,
        });
      try {
        const files = await listSourceFiles(repo.codeowners, baseDir);
        if (files.length !== 1) {
          refuse(`${repo.codeowners} names ${files.length} files, not one CODEOWNERS file`);
          continue;
        }
        const file = path.relative(process.cwd(), files[0]!.path);
        const parsed = parseCodeowners(await readFile(files[0]!.path, 'utf8'), file, repo.name);
        loaded.problems.push(...parsed.problems);
        loaded.byRepository.set(repo.name, parsed);
      } catch (err) {
        if (!(err instanceof SourceError)) throw err;
        refuse(err.message);
      }
    }
  }
  return loaded;
}

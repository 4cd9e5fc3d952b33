// `argmin attribute <dir>`: the main job offline. The folder's manifests stand in for the cluster;
// the connectors they declare are synced into the store; the bill is attributed and reported.
import path from 'node:path';
import { Command, Option } from 'commander';
import {
  attribute,
  renderTable,
  Store,
  type AttributeResult,
  type Quarantined,
} from '../attribution/index.js';
import {
  connectorKey,
  isAiService,
  normalizeModelId,
  readerFor,
  syncConnector,
} from '../connectors/index.js';
import { loadCodeowners } from './codeowners-sources.js';
import { loadManifests, type LoadedManifests } from './manifests.js';

/** Exit code of a run that reported, but refused some of its input. */
export const EXIT_QUARANTINED = 2;

export interface AttributeRun {
  result: AttributeResult;
  quarantined: Quarantined[];
}

/** Runs the main job over a folder; the store is the caller's, so tests can choose it. */
export async function attributeFolder(dir: string, store: Store): Promise<AttributeRun> {
  const manifests = await loadManifests(dir);
  const quarantined: Quarantined[] = [...manifests.problems];

  const connectors = [...manifests.state.connectors].sort((a, b) =>
    connectorKey(a) < connectorKey(b) ? -1 : 1,
  );
  for (const connector of connectors) {
    const baseDir = path.dirname(connector.origin.file);
    const synced = await syncConnector(connector, { store, baseDir, readerFor });
    quarantined.push(...synced.quarantined);
  }
  const codeowners = await loadCodeowners(manifests.state.policies);
  quarantined.push(...codeowners.problems);

  const result = await attribute({
    store,
    state: manifests.state,
    connectors: connectors.map(connectorKey),
    codeowners: codeowners.byRepository,
    isAiSpend: isAiService,
    normalizeModel: normalizeModelId,
    quarantined,
  });
  // References that point nowhere are refused input too: name the line of the field itself.
  const references = result.problems.map((p) => referenceProblem(manifests, p));
  quarantined.push(...references);
  result.report.quarantined.push(
    ...references.map((q) => ({
      file: q.source.file,
      line: q.source.line,
      field: q.field,
      reason: q.reason,
    })),
  );
  return { result, quarantined };
}

export function attributeCommand(): Command {
  return new Command('attribute')
    .description('attribute the AI spend of a folder of manifests and the data they name')
    .argument('<dir>', 'folder of Kubernetes manifests: the cluster state and Argmin resources')
    .addOption(
      new Option('-f, --format <format>', 'report format')
        .choices(['table', 'json'])
        .default('table'),
    )
    .option(
      '--database-url <url>',
      'PostgreSQL to use instead of the embedded store',
      process.env.DATABASE_URL,
    )
    .action(async (dir: string, options: { format: 'table' | 'json'; databaseUrl?: string }) => {
      const store = await Store.open(options.databaseUrl);
      try {
        const { result, quarantined } = await attributeFolder(dir, store);
        const { report } = result;
        if (options.format === 'json') {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          for (const q of quarantined) process.stderr.write(`${describe(q)}\n`);
        } else {
          process.stdout.write(renderTable(report));
        }
        if (quarantined.length > 0) {
          process.stderr.write(`argmin: ${quarantined.length} inputs quarantined\n`);
          process.exitCode = EXIT_QUARANTINED;
        }
      } finally {
        await store.close();
      }
    });
}

function describe(q: Quarantined): string {
  const field = q.field ? ` ${q.field}:` : '';
  return `${q.source.file}:${q.source.line}:${field} ${q.reason}`;
}

function referenceProblem(
  manifests: LoadedManifests,
  problem: AttributeResult['problems'][number],
): Quarantined {
  const doc = manifests.documents.find(
    (d) => d.file === problem.origin.file && d.line === problem.origin.line,
  );
  const line = doc ? doc.lineOf(problem.fieldPath) : problem.origin.line;
  return {
    source: { connector: 'manifests', file: problem.origin.file, line },
    field: problem.fieldPath.join('.'),
    reason: problem.reason,
  };
}

// `argmin attribute <dir>`: the main job offline. The folder's manifests stand in for the cluster;
// the connectors they declare are synced into the store; the bill is attributed and reported.
import path from 'node:path';
import { Command, Option } from 'commander';
import {
  attribute,
  AttributionError,
  renderTable,
  Store,
  type AttributeResult,
  type CostView,
  type Quarantined,
} from '../attribution/index.js';
import {
  connectorKey,
  isAiService,
  loadCodeowners,
  normalizeModelId,
  readerFor,
  syncConnector,
  type SyncOptions,
} from '../connectors/index.js';
import { loadManifests, type LoadedManifests } from './manifests.js';

type SyncProgress = Parameters<NonNullable<SyncOptions['onProgress']>>[0];

/** Exit code of a run that reported, but refused some of its input. */
export const EXIT_QUARANTINED = 2;

export interface AttributeRun {
  result: AttributeResult;
  quarantined: Quarantined[];
}

/** Runs the main job over a folder; the store is the caller's, so tests can choose it. */
export interface AttributeFolderOptions {
  costView?: CostView;
  onProgress?(progress: SyncProgress): void;
}

export async function attributeFolder(
  dir: string,
  store: Store,
  options: AttributeFolderOptions = {},
): Promise<AttributeRun> {
  return attributeManifests(await loadManifests(dir), store, options);
}

export async function attributeManifests(
  manifests: LoadedManifests,
  store: Store,
  options: AttributeFolderOptions = {},
): Promise<AttributeRun> {
  const quarantined: Quarantined[] = [...manifests.problems];

  const connectors = [...manifests.state.connectors].sort((a, b) =>
    connectorKey(a) < connectorKey(b) ? -1 : 1,
  );
  for (const connector of connectors) {
    const baseDir = path.dirname(connector.origin.file);
    const synced = await syncConnector(connector, {
      store,
      baseDir,
      readerFor,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
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
    costView: options.costView,
    quarantined,
  }).catch((err: unknown) => {
    // With no bill left to report, the refused inputs are the likely reason: name them.
    if (err instanceof AttributionError && quarantined.length > 0) {
      const refused = quarantined.map((q) => describeQuarantined(atFieldLine(manifests, q)));
      err.message = `${err.message}; refused on the way in:\n${refused.join('\n')}`;
    }
    throw err;
  });
  // References that point nowhere are refused input too.
  const references = result.problems.map((p) => ({
    source: { connector: 'manifests', file: p.origin.file, line: p.origin.line },
    field: p.fieldPath.join('.'),
    reason: p.reason,
  }));
  quarantined.push(...references);
  const located = quarantined.map((q) => atFieldLine(manifests, q));
  result.report.quarantined = located.map((q) => ({
    file: q.source.file,
    line: q.source.line,
    field: q.field,
    reason: q.reason,
  }));
  return { result, quarantined: located };
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
    .addOption(
      new Option('--cost <view>', 'billed (the invoice) or effective (amortized commitments)')
        .choices(['billed', 'effective'])
        .default('billed'),
    )
    .option(
      '--database-url <url>',
      'PostgreSQL to use instead of the embedded store',
      process.env.DATABASE_URL,
    )
    .option('--progress', 'report read progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never report read progress')
    .action(async (dir: string, options: CommandOptions) => {
      const manifests = await loadManifests(dir);
      const store = await Store.open(options.databaseUrl);
      const showProgress = options.progress ?? process.stderr.isTTY === true;
      try {
        const { result, quarantined } = await attributeManifests(manifests, store, {
          costView: options.cost,
          ...(showProgress ? { onProgress: progressReporter(stderrLine) } : {}),
        });
        const { report } = result;
        if (options.format === 'json') {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          for (const q of quarantined) process.stderr.write(`${describeQuarantined(q)}\n`);
        } else {
          process.stdout.write(renderTable(report));
        }
        // A re-run of a period says whether its inputs or its answer moved since the last run.
        if (!result.changes.first) {
          const lines = result.changes.lines.map((line) => `  ${line}`).join('\n');
          process.stderr.write(`argmin: against the previous run of this period:\n${lines}\n`);
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

interface CommandOptions {
  format: 'table' | 'json';
  cost: CostView;
  databaseUrl?: string;
  /** Unset unless `--progress` or `--no-progress` is given: then a terminal on stderr decides. */
  progress?: boolean;
}

/** Progress lines within one source are at least this far apart; a source's last line is not held. */
export const PROGRESS_INTERVAL_MS = 1_000;

/**
 * Turns sync progress into lines for a person watching a long read: files and rows so far and the
 * rate since the source began. A read shorter than the interval prints only its closing line.
 */
export function progressReporter(
  write: (line: string) => void,
  now: () => number = () => performance.now(),
): (progress: SyncProgress) => void {
  let lastWrittenAt = now();
  let sourceStartedAt = lastWrittenAt;
  let source = '';

  return (progress) => {
    const at = now();
    const key = `${progress.connector}/${progress.source}`;
    if (key !== source || (progress.filesRead === 0 && progress.records === 0)) {
      source = key;
      sourceStartedAt = at;
    }
    const done = progress.filesRead === progress.files;
    if (!done && at - lastWrittenAt < PROGRESS_INTERVAL_MS) return;

    lastWrittenAt = at;
    const seconds = (at - sourceStartedAt) / 1000;
    const rate = seconds > 0 ? ` ${count(progress.records / seconds)} rows/s,` : '';
    write(
      `argmin: ${done ? 'read' : 'reading'} ${key}: ${progress.filesRead} of ` +
        `${progress.files} files, ${count(progress.records)} rows,${rate} ${seconds.toFixed(1)} s`,
    );
  };
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A refused input as one line: file, line, field and why. */
export function describeQuarantined(q: Quarantined): string {
  const field = q.field ? ` ${q.field}:` : '';
  return `${q.source.file}:${q.source.line}:${field} ${q.reason}`;
}

/**
 * A problem found in a manifest is reported at the line of the field at fault, not the line where
 * its document starts.
 */
function atFieldLine(manifests: LoadedManifests, q: Quarantined): Quarantined {
  if (!q.field) return q;
  const doc = manifests.documents.find((d) => d.file === q.source.file && d.line === q.source.line);
  if (!doc) return q;
  const fieldPath = fieldPathOf(q.field, doc.object);
  return { ...q, source: { ...q.source, line: doc.lineOf(fieldPath) } };
}

/** `spec.sources[1].url` as a path; annotation keys keep their dots. */
function fieldPathOf(field: string, object: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  let at: unknown = object;
  let rest = field;
  while (rest.length > 0) {
    const keys = at && typeof at === 'object' ? Object.keys(at) : [];
    // The longest key of the object that the rest of the field starts with, dots and all.
    const key = keys
      .filter((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`))
      .sort((a, b) => b.length - a.length)[0];
    const name = key ?? rest.split(/[.[]/)[0]!;
    path.push(name);
    at = (at as Record<string, unknown> | undefined)?.[name];
    rest = rest.slice(name.length);
    for (let m = /^\[(\d+)\]/.exec(rest); m; m = /^\[(\d+)\]/.exec(rest)) {
      path.push(Number(m[1]));
      at = (at as unknown[] | undefined)?.[Number(m[1])];
      rest = rest.slice(m[0].length);
    }
    rest = rest.replace(/^\./, '');
  }
  return path;
}

// Syncing a CloudConnector: every source it names is read with its format's reader and kept in the
// store. A billing delivery replaces the periods it covers; usage events are stored once each;
// an identity inventory replaces its previous read. Bad rows are quarantined, never dropped.
// Records stream from the reader to the store in bounded batches, whatever the source's size.
import path from 'node:path';
import type {
  CloudConnector,
  ConnectorSource,
  Quarantined,
  SecretKeyRef,
  Store,
} from '../attribution/index.js';
import type { FormatReader, ReadContext, SourceFile } from './format-reader.js';
import { listSourceFiles } from './list-source-files.js';
import {
  SecretValue,
  withSourceAccess,
  type SourceAccess,
  type SourceEndpoints,
} from './source-access.js';
import { SourceError } from './source-error.js';
import { remoteLocation } from './source-url.js';
import {
  billingSink,
  identitySink,
  usageSink,
  type RecordSink,
  type SinkTotals,
} from './sync-sinks.js';

/** Records between two progress reports within a file. */
const PROGRESS_EVERY_RECORDS = 10_000;

export interface SyncResult {
  connector: string;
  files: number;
  costRows: number;
  /** Of `costRows`, rows that arrived after their billing period had closed. */
  lateCostRows: number;
  usageEvents: number;
  /** Usage events the store did not hold before this sync. */
  newUsageEvents: number;
  people: number;
  groups: number;
  quarantined: Quarantined[];
  accountsSeen: string[];
  billingPeriods: string[];
}

/** How far a sync has read, reported as it goes; counts are for the source being read. */
export interface SyncProgress {
  connector: string;
  source: string;
  files: number;
  filesRead: number;
  /** Records read so far from the source's files, quarantined ones included. */
  records: number;
}

export interface SyncOptions {
  store: Store;
  /** The folder relative `file://` urls resolve against: the declaring manifest's folder. */
  baseDir: string;
  readerFor(format: string): FormatReader | undefined;
  /**
   * The value of the Secret key a CloudConnector's `credentialsSecretRef` names. Without it, such
   * a connector's sources are refused; a connector that names no Secret uses the workload's own
   * identity.
   */
  readSecret?(ref: SecretKeyRef, connector: CloudConnector): Promise<string>;
  /** Vendor API endpoints, for tests against doubles of them. */
  endpoints?: SourceEndpoints;
  /** The time a delivery is stored at, against which later deliveries tell late rows. */
  clock?: () => Date;
  onProgress?(progress: SyncProgress): void;
}

/** The name a connector's records are kept under: `namespace/name`, or `name` when cluster-scoped. */
export function connectorKey(connector: CloudConnector): string {
  const { namespace, name } = connector.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

export async function syncConnector(
  connector: CloudConnector,
  options: SyncOptions,
): Promise<SyncResult> {
  const key = connectorKey(connector);
  const quarantined: Quarantined[] = [];
  const totals: SinkTotals = {
    costRows: 0,
    lateCostRows: 0,
    usageEvents: 0,
    newUsageEvents: 0,
    people: 0,
    groups: 0,
    accounts: new Set(),
    periods: new Set(),
  };
  const ctx: ReadContext = { connector: key, provider: connector.spec.provider };
  const origin = { connector: key, file: connector.origin.file, line: connector.origin.line };
  let fileCount = 0;

  const sources = connector.spec.sources ?? [];
  const access = sources.length > 0 ? await sourceAccess(connector, options) : {};
  if ('refused' in access) {
    quarantined.push({
      source: origin,
      field: 'spec.credentialsSecretRef',
      reason: access.refused,
    });
  }

  for (const [index, source] of sources.entries()) {
    const refuse = (name: keyof ConnectorSource, reason: string) =>
      quarantined.push({ source: origin, field: `spec.sources[${index}].${name}`, reason });

    const reader = options.readerFor(source.format);
    if (!reader) {
      refuse('format', `format ${source.format} is not supported`);
      continue;
    }
    if ('refused' in access) continue;

    await withSourceAccess(access, async () => {
      let files: SourceFile[];
      try {
        files = await listSourceFiles(source.url, options.baseDir, access);
      } catch (err) {
        if (!(err instanceof SourceError)) throw err;
        refuse('url', err.message);
        return;
      }
      fileCount += files.length;
      // Messages name local files as the user can open them, relative to where the command ran.
      files = files.map((f) => ({ ...f, name: displayPath(f.path) }));

      const sink = await sinkFor(reader, source, key, options, totals, quarantined);
      const progress = (filesRead: number, records: number) =>
        options.onProgress?.({
          connector: key,
          source: source.name,
          files: files.length,
          filesRead,
          records,
        });
      try {
        const failedFiles = await readInto(reader, files, ctx, sink, quarantined, progress);
        await sink.finish(failedFiles === 0);
      } catch (err) {
        await sink.abandon();
        throw err;
      }
    });
  }

  await options.store.recordQuarantine(quarantined);
  return {
    connector: key,
    files: fileCount,
    costRows: totals.costRows,
    lateCostRows: totals.lateCostRows,
    usageEvents: totals.usageEvents,
    newUsageEvents: totals.newUsageEvents,
    people: totals.people,
    groups: totals.groups,
    quarantined,
    accountsSeen: [...totals.accounts].sort(),
    billingPeriods: [...totals.periods].sort(),
  };
}

/** The connector's credentials and endpoints; the Secret's value stays wrapped throughout. */
async function sourceAccess(
  connector: CloudConnector,
  options: SyncOptions,
): Promise<SourceAccess | { refused: string }> {
  const { spec } = connector;
  const access: SourceAccess = {
    ...(options.endpoints ? { endpoints: options.endpoints } : {}),
    ...(spec.aws?.region ? { awsRegion: spec.aws.region } : {}),
    ...(spec.gcp?.projectId ? { gcpProjectId: spec.gcp.projectId } : {}),
    ...(spec.azure?.tenantId ? { azureTenantId: spec.azure.tenantId } : {}),
    ...(spec.azure?.clientId ? { azureClientId: spec.azure.clientId } : {}),
  };
  const ref = spec.credentialsSecretRef;
  if (!ref) return access;

  const named = `Secret ${ref.name} key ${ref.key}`;
  if (!options.readSecret) {
    return { refused: `${named} cannot be read here; only the operator reads Secrets` };
  }
  try {
    return { ...access, credentials: new SecretValue(await options.readSecret(ref, connector)) };
  } catch (err) {
    // The reason names the Secret and why it failed (its code), never what it holds.
    const code = err instanceof Error && 'code' in err ? ` (${String(err.code)})` : '';
    return { refused: `${named} could not be read${code}` };
  }
}

async function sinkFor(
  reader: FormatReader,
  source: ConnectorSource,
  key: string,
  options: SyncOptions,
  totals: SinkTotals,
  quarantined: Quarantined[],
): Promise<RecordSink> {
  if (reader.role === 'billing') {
    const staging = await options.store.beginCostDelivery(key, source.name);
    const now = options.clock ?? (() => new Date());
    return billingSink(staging, totals, (item) => quarantined.push(item), now);
  }
  if (reader.role === 'usage') return usageSink(options.store, `${key}/${source.name}`, totals);
  return identitySink(options.store, `${key}/${source.name}`, totals);
}

/** Streams every file's records into the sink; returns how many files could not be read. */
async function readInto(
  reader: FormatReader,
  files: SourceFile[],
  ctx: ReadContext,
  sink: RecordSink,
  quarantined: Quarantined[],
  progress: (filesRead: number, records: number) => void,
): Promise<number> {
  let failedFiles = 0;
  let records = 0;
  progress(0, 0);
  for (const [index, file] of files.entries()) {
    await sink.startFile(reader.deliveryOf?.(file) ?? '');
    try {
      for await (const record of reader.read(file, ctx)) {
        records += 1;
        if (records % PROGRESS_EVERY_RECORDS === 0) progress(index, records);
        switch (record.kind) {
          case 'cost':
            await sink.cost(record.row);
            break;
          case 'usage':
            await sink.usage(record.event);
            break;
          case 'person':
            sink.person(record.person);
            break;
          case 'group':
            sink.group(record.group);
            break;
          case 'binding':
            sink.binding(record.binding);
            break;
          case 'quarantine':
            quarantined.push(record.item);
            break;
        }
      }
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      failedFiles++;
      quarantined.push({
        source: { connector: ctx.connector, file: file.name, line: err.line ?? 1 },
        field: err.field ?? null,
        // The entry names the file and line itself; a reason that named them again would repeat.
        reason: err.file === undefined ? err.message : err.detail,
      });
    }
    progress(index + 1, records);
  }
  return failedFiles;
}

function displayPath(file: string): string {
  if (remoteLocation(file) !== undefined) return file;
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

// Syncing a CloudConnector: every source it names is read with its format's reader and kept in the
// store. A billing delivery replaces the periods it covers; usage events are stored once each;
// an identity inventory replaces its previous read. Bad rows are quarantined, never dropped.
import path from 'node:path';
import type {
  CloudConnector,
  ConnectorSource,
  CostRow,
  Group,
  Person,
  Quarantined,
  SourceRecord,
  Store,
  UsageEvent,
  WorkloadBinding,
} from '../attribution/index.js';
import type { FormatReader, ReadContext, SourceFile } from './format-reader.js';
import { listSourceFiles } from './list-source-files.js';
import { SourceError } from './source-error.js';

const EVENT_BATCH = 2_000;

export interface SyncResult {
  connector: string;
  files: number;
  costRows: number;
  usageEvents: number;
  /** Usage events the store did not hold before this sync. */
  newUsageEvents: number;
  people: number;
  groups: number;
  quarantined: Quarantined[];
  accountsSeen: string[];
  billingPeriods: string[];
}

export interface SyncOptions {
  store: Store;
  /** The folder relative `file://` urls resolve against: the declaring manifest's folder. */
  baseDir: string;
  readerFor(format: string): FormatReader | undefined;
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
  const result: SyncResult = {
    connector: key,
    files: 0,
    costRows: 0,
    usageEvents: 0,
    newUsageEvents: 0,
    people: 0,
    groups: 0,
    quarantined: [],
    accountsSeen: [],
    billingPeriods: [],
  };
  const accounts = new Set<string>();
  const periods = new Set<string>();
  const ctx: ReadContext = { connector: key, provider: connector.spec.provider };

  for (const [index, source] of (connector.spec.sources ?? []).entries()) {
    const field = (name: keyof ConnectorSource) => `spec.sources[${index}].${name}`;
    const refuse = (name: keyof ConnectorSource, reason: string) =>
      result.quarantined.push({
        source: { connector: key, file: connector.origin.file, line: connector.origin.line },
        field: field(name),
        reason,
      });

    const reader = options.readerFor(source.format);
    if (!reader) {
      refuse('format', `format ${source.format} is not supported`);
      continue;
    }
    let files: SourceFile[];
    try {
      files = await listSourceFiles(source.url, options.baseDir);
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      refuse('url', err.message);
      continue;
    }
    result.files += files.length;
    // Messages name files as the user can open them, relative to where the command ran.
    files = files.map((f) => ({ ...f, name: displayPath(f.path) }));

    const collected = await readAll(reader, files, ctx);
    result.quarantined.push(...collected.quarantined);

    if (reader.role === 'billing') {
      for (const row of collected.costRows) {
        accounts.add(row.subAccountId);
        periods.add(row.billingPeriodStart);
      }
      // A delivery with an unreadable file is incomplete: keep the previous one rather than
      // replace whole periods with part of the bill.
      if (collected.failedFiles > 0) continue;
      const rows = latestDeliveries(reader, files, collected.costRows);
      const rowPeriods = [...new Set(rows.map((r) => r.billingPeriodStart))];
      await options.store.replaceCostRows(key, source.name, rowPeriods, rows);
      result.costRows += rows.length;
    } else if (reader.role === 'usage') {
      for (let i = 0; i < collected.events.length; i += EVENT_BATCH) {
        const batch = collected.events.slice(i, i + EVENT_BATCH);
        result.newUsageEvents += await options.store.insertUsageEvents(
          batch,
          `${key}/${source.name}`,
        );
      }
      for (const event of collected.events) if (event.account) accounts.add(event.account);
      result.usageEvents += collected.events.length;
    } else {
      if (collected.failedFiles > 0) continue;
      await options.store.replaceInventory(
        `${key}/${source.name}`,
        collected.people,
        collected.groups,
      );
      await options.store.replaceBindings(`${key}/${source.name}`, collected.bindings);
      result.people += collected.people.length;
      result.groups += collected.groups.length;
    }
  }

  await options.store.recordQuarantine(result.quarantined);
  result.accountsSeen = [...accounts].sort();
  result.billingPeriods = [...periods].sort();
  return result;
}

/** For each billing period, the rows of the latest delivery that covers it; older ones are superseded. */
function latestDeliveries(reader: FormatReader, files: SourceFile[], rows: CostRow[]): CostRow[] {
  if (!reader.deliveryOf) return rows;
  const deliveryOfFile = new Map(files.map((f) => [f.name, reader.deliveryOf!(f)]));
  const delivery = (row: CostRow) => deliveryOfFile.get(row.source.file) ?? '';
  const latest = new Map<string, string>();
  for (const row of rows) {
    const seen = latest.get(row.billingPeriodStart);
    if (seen === undefined || delivery(row) > seen)
      latest.set(row.billingPeriodStart, delivery(row));
  }
  return rows.filter((row) => delivery(row) === latest.get(row.billingPeriodStart));
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

interface Collected {
  costRows: CostRow[];
  events: UsageEvent[];
  people: Person[];
  groups: Group[];
  bindings: WorkloadBinding[];
  quarantined: Quarantined[];
  failedFiles: number;
}

async function readAll(
  reader: FormatReader,
  files: SourceFile[],
  ctx: ReadContext,
): Promise<Collected> {
  const out: Collected = {
    costRows: [],
    events: [],
    people: [],
    groups: [],
    bindings: [],
    quarantined: [],
    failedFiles: 0,
  };
  const costIds = new Map<string, Quarantined['source']>();
  const eventIds = new Set<string>();

  for (const file of files) {
    // A line item repeats across deliveries by design; within one it is a duplicate.
    const delivery = reader.deliveryOf?.(file) ?? '';
    try {
      for await (const record of reader.read(file, ctx)) {
        take(record, out, costIds, eventIds, delivery);
      }
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      out.failedFiles++;
      out.quarantined.push({
        source: { connector: ctx.connector, file: file.name, line: err.line ?? 1 },
        field: err.field ?? null,
        reason: err.message,
      });
    }
  }
  return out;
}

function take(
  record: SourceRecord,
  out: Collected,
  costIds: Map<string, Quarantined['source']>,
  eventIds: Set<string>,
  delivery: string,
): void {
  switch (record.kind) {
    case 'cost': {
      const id = `${delivery}\u0000${record.row.id}`;
      const first = costIds.get(id);
      if (first) {
        out.quarantined.push({
          source: record.row.source,
          field: 'identity_line_item_id',
          reason: `duplicate line item ${record.row.id}, first at ${first.file}:${first.line}`,
        });
        return;
      }
      costIds.set(id, record.row.source);
      out.costRows.push(record.row);
      return;
    }
    case 'usage':
      // The store keeps one event per request id; a repeat within a delivery is not an error.
      if (eventIds.has(record.event.requestId)) return;
      eventIds.add(record.event.requestId);
      out.events.push(record.event);
      return;
    case 'person':
      out.people.push(record.person);
      return;
    case 'group':
      out.groups.push(record.group);
      return;
    case 'binding':
      out.bindings.push(record.binding);
      return;
    case 'quarantine':
      out.quarantined.push(record.item);
      return;
  }
}

// Where a source's records go as they are read, one sink per role. Billing rows and usage events
// are written in bounded batches, so memory stays flat whatever a source's size; an identity
// inventory is small and replaces its previous read whole.
import type {
  CostDelivery,
  CostRow,
  Group,
  Person,
  Quarantined,
  Store,
  UsageEvent,
  WorkloadBinding,
} from '../attribution/index.js';

/** Rows staged per statement: large enough to amortize a round trip, small enough to hold. */
export const COST_BATCH_ROWS = 5_000;
export const EVENT_BATCH = 2_000;

export interface SinkTotals {
  costRows: number;
  lateCostRows: number;
  usageEvents: number;
  newUsageEvents: number;
  people: number;
  groups: number;
  accounts: Set<string>;
  periods: Set<string>;
}

export interface RecordSink {
  /** Starts a file of the given delivery (`deliveryOf`, or '' when the format has none). */
  startFile(delivery: string): Promise<void>;
  cost(row: CostRow): Promise<void>;
  usage(event: UsageEvent): Promise<void>;
  person(person: Person): void;
  group(group: Group): void;
  binding(binding: WorkloadBinding): void;
  /** Ends the source: `complete` is false when a file could not be read. */
  finish(complete: boolean): Promise<void>;
  /** Drops whatever was staged when reading stopped on an unexpected error. */
  abandon(): Promise<void>;
}

/** Billing rows staged in batches and swapped in as one delivery, or discarded when incomplete. */
export function billingSink(
  staging: CostDelivery,
  totals: SinkTotals,
  quarantine: (item: Quarantined) => void,
  now: () => Date,
): RecordSink {
  let delivery = '';
  let batch: CostRow[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    for (const { row, first } of await staging.append(delivery, rows)) {
      quarantine({
        source: row.source,
        field: 'identity_line_item_id',
        reason: `duplicate line item ${row.id}, first at ${first.file}:${first.line}`,
      });
    }
  };

  return {
    ...ignoring(),
    async startFile(next) {
      await flush();
      delivery = next;
    },
    async cost(row) {
      totals.accounts.add(row.subAccountId);
      totals.periods.add(row.billingPeriodStart);
      batch.push(row);
      if (batch.length >= COST_BATCH_ROWS) await flush();
    },
    async finish(complete) {
      // A delivery with an unreadable file is incomplete: keep the previous one rather than
      // replace whole periods with part of the bill.
      if (!complete) return staging.discard();
      await flush();
      const swapped = await staging.commit(now());
      totals.costRows += swapped.rows;
      totals.lateCostRows += swapped.late;
    },
    abandon: () => staging.discard(),
  };
}

/** Usage events stored in batches, once each by request id. */
export function usageSink(store: Store, origin: string, totals: SinkTotals): RecordSink {
  // Repeats within a batch are dropped here; across batches the store's key keeps one.
  let batch = new Map<string, UsageEvent>();

  const flush = async () => {
    if (batch.size === 0) return;
    const events = [...batch.values()];
    batch = new Map();
    totals.newUsageEvents += await store.insertUsageEvents(events, origin);
    totals.usageEvents += events.length;
  };

  return {
    ...ignoring(),
    async usage(event) {
      if (event.account) totals.accounts.add(event.account);
      if (batch.has(event.requestId)) return;
      batch.set(event.requestId, event);
      if (batch.size >= EVENT_BATCH) await flush();
    },
    finish: () => flush(),
  };
}

/** People, groups and workload bindings, replacing the inventory's previous read when complete. */
export function identitySink(store: Store, inventory: string, totals: SinkTotals): RecordSink {
  const people: Person[] = [];
  const groups: Group[] = [];
  const bindings: WorkloadBinding[] = [];
  return {
    ...ignoring(),
    person: (person) => void people.push(person),
    group: (group) => void groups.push(group),
    binding: (binding) => void bindings.push(binding),
    async finish(complete) {
      if (!complete) return;
      await store.replaceInventory(inventory, people, groups);
      await store.replaceBindings(inventory, bindings);
      totals.people += people.length;
      totals.groups += groups.length;
    },
  };
}

/** A sink that drops records of kinds its role does not store, as the previous reader did. */
function ignoring(): RecordSink {
  return {
    startFile: async () => undefined,
    cost: async () => undefined,
    usage: async () => undefined,
    person: () => undefined,
    group: () => undefined,
    binding: () => undefined,
    finish: async () => undefined,
    abandon: async () => undefined,
  };
}

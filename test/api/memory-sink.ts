// An event sink in memory with the store's contract (once per request id, counted when new), and
// switches that make it slow or failing the way a struggling database is.
import type { UsageEvent } from '../../attribution/index.js';
import type { EventSink } from '../../api/index.js';

export class MemorySink implements EventSink {
  readonly events = new Map<string, UsageEvent>();
  /** Sizes of the insert statements, in events, in the order they ran. */
  readonly statements: number[] = [];
  /** Milliseconds each insert takes before it commits. */
  delayMs = 0;
  /** When set, inserts and pings fail with it instead of committing. */
  failure: Error | undefined;

  async insertUsageEvents(events: UsageEvent[]): Promise<number> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failure) throw this.failure;
    this.statements.push(events.length);
    let inserted = 0;
    for (const event of events) {
      if (this.events.has(event.requestId)) continue;
      this.events.set(event.requestId, event);
      inserted++;
    }
    return inserted;
  }

  async ping(): Promise<void> {
    if (this.failure) throw this.failure;
  }
}

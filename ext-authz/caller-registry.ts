// What `Check` learned about a call, kept until `Process` reports the same call's usage. The two
// meet on the `x-argmin-request-id` header that `Check` added. Bounded in count and in age: a call
// whose usage never arrives is forgotten, never accumulated.
import type { Caller } from './caller-identity.js';
import type { Clock } from './clock.js';

export interface CheckedCall {
  caller: Caller;
  /** Host and path (without query) the call was going to. */
  host?: string;
  route?: string;
  checkedAtMs: number;
}

export class CallerRegistry {
  private readonly calls = new Map<string, CheckedCall>();
  evicted = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
  ) {}

  get size(): number {
    return this.calls.size;
  }

  put(requestId: string, call: CheckedCall): void {
    this.calls.set(requestId, call);
    // Maps iterate in insertion order, so the first entries are the oldest.
    while (this.calls.size > this.maxEntries) {
      const oldest = this.calls.keys().next().value as string;
      this.calls.delete(oldest);
      this.evicted++;
    }
  }

  /** The call's record, once; undefined when unknown or too old. */
  take(requestId: string): CheckedCall | undefined {
    const call = this.calls.get(requestId);
    if (!call) return undefined;
    this.calls.delete(requestId);
    return this.clock.now() - call.checkedAtMs <= this.maxAgeMs ? call : undefined;
  }

  /** Forgets records older than the age bound; run now and then, not per call. */
  sweep(): void {
    const cutoff = this.clock.now() - this.maxAgeMs;
    for (const [id, call] of this.calls) {
      if (call.checkedAtMs >= cutoff) break;
      this.calls.delete(id);
      this.evicted++;
    }
  }
}

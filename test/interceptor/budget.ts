// Timing answers against the 50 ms budget on a machine that other work shares. The time this
// thread spent ready to run but waiting for a CPU (Linux's run-queue delay, from schedstat) is
// time no service could have used; it is taken out, and everything else counts.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** DESIGN.md's end-to-end budget for every answer. */
export const BUDGET_MS = 50;

const SCHEDSTAT = '/proc/thread-self/schedstat';

export interface Timing {
  elapsedMs: number;
  /** Of `elapsedMs`, how long the thread was runnable but not running. */
  starvedMs: number;
}

function runQueueWaitMs(): number {
  try {
    return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return 0; // not Linux: nothing is taken out
  }
}

/** Starts timing; the returned function stops it. */
export function startTiming(): () => Timing {
  const started = performance.now();
  const waited = runQueueWaitMs();
  return () => ({
    elapsedMs: performance.now() - started,
    starvedMs: Math.max(0, runQueueWaitMs() - waited),
  });
}

export function expectWithinBudget(timing: Timing): void {
  expect(
    timing.elapsedMs - timing.starvedMs,
    `answered after ${timing.elapsedMs.toFixed(1)} ms`,
  ).toBeLessThan(BUDGET_MS);
}

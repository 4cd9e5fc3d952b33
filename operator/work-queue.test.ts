import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.js';
import { budgetWindow } from './budget-period.js';
import { mergeConditions } from './conditions.js';
import { statusPatch } from './status.js';

describe('WorkQueue', () => {
  it('hands out a key queued twice only once', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.add('a');
    queue.add('b');
    expect(queue.depth).toBe(2);
    expect(await queue.get()).toBe('a');
    expect(await queue.get()).toBe('b');
  });

  it('never hands one key to two workers: a key added while processed comes back after done', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const key = await queue.get();
    queue.add('a');
    expect(queue.depth).toBe(0);
    queue.done(key!);
    expect(queue.depth).toBe(1);
    expect(await queue.get()).toBe('a');
  });

  it('releases waiting workers with undefined on shut down', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutDown();
    expect(await waiting).toBeUndefined();
  });

  it('grows the backoff per key within the cap, and forgets it on success', () => {
    const queue = new WorkQueue({ backoff: { baseMs: 100, capMs: 1_000, random: () => 0.999 } });
    const delays = [1, 2, 3, 4, 5].map(() => queue.addRateLimited('a'));
    expect(delays).toEqual([99, 199, 399, 799, 999]);
    queue.forget('a');
    expect(queue.retries('a')).toBe(0);
  });
});

describe('budgetWindow', () => {
  it.each([
    [
      'Monthly',
      '2026-03-15T12:00:00Z',
      'UTC',
      '2026-03-01T00:00:00.000Z',
      '2026-04-01T00:00:00.000Z',
    ],
    [
      'Quarterly',
      '2026-05-02T00:00:00Z',
      'UTC',
      '2026-04-01T00:00:00.000Z',
      '2026-07-01T00:00:00.000Z',
    ],
    [
      'Yearly',
      '2026-12-31T23:00:00Z',
      'UTC',
      '2026-01-01T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z',
    ],
    // Already March in Berlin while still February in UTC.
    [
      'Monthly',
      '2026-02-28T23:30:00Z',
      'Europe/Berlin',
      '2026-02-28T23:00:00.000Z',
      '2026-03-31T22:00:00.000Z',
    ],
  ] as const)('%s period containing %s in %s starts %s', (period, now, zone, start, end) => {
    expect(budgetWindow(period, new Date(now), zone)).toEqual({ start, end });
  });
});

describe('conditions and status writes', () => {
  const ready = { type: 'Ready', status: 'True' as const, reason: 'A', message: 'm' };

  it('moves lastTransitionTime only when the status flips', () => {
    const first = mergeConditions([], [ready], new Date('2026-01-01T00:00:00Z'));
    const reworded = mergeConditions(
      first,
      [{ ...ready, message: 'n' }],
      new Date('2026-01-02T00:00:00Z'),
    );
    expect(reworded[0]!.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    const flipped = mergeConditions(
      reworded,
      [{ ...ready, status: 'False' }],
      new Date('2026-01-03T00:00:00Z'),
    );
    expect(flipped[0]!.lastTransitionTime).toBe('2026-01-03T00:00:00Z');
  });

  it('builds no patch when the status is unchanged, and nulls fields that went away', () => {
    expect(
      statusPatch({ spend: '1', forecast: '2' }, { spend: '1', forecast: '2' }, '7'),
    ).toBeNull();
    expect(statusPatch({ spend: '1', forecast: '2' }, { spend: '3' }, '7')).toEqual({
      metadata: { resourceVersion: '7' },
      status: { spend: '3', forecast: null },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { budgetPeriodAt, daysOf } from './budget-calendar.js';
import { BudgetHierarchyError } from './budget-hierarchy.js';
import type { SpendPoint, SpendTimeline } from './budget-spend.js';
import { budgetStatuses } from './budgets.js';
import { Money } from './money.js';
import type { CostCenter, CostCenterSpec } from './resources.js';

let line = 0;
function costCenter(name: string, spec: Partial<CostCenterSpec> = {}): CostCenter {
  line += 10;
  return {
    metadata: { name, labels: {}, annotations: {} },
    spec: { code: name.toUpperCase(), displayName: name, ...spec },
    origin: { file: 'cost-centers.yaml', line },
  };
}

const monthly = (amount: string, alertThresholds?: number[]) => ({
  amount,
  currency: 'USD',
  period: 'Monthly' as const,
  ...(alertThresholds ? { alertThresholds } : {}),
});

/** Spend at an instant, or spread evenly from `at` to `until`. */
function spend(costCenter: string, at: string, gross: string, until?: string, net = gross) {
  const startMs = Date.parse(at);
  return {
    costCenter,
    currency: 'USD',
    startMs,
    endMs: until ? Date.parse(until) : startMs,
    gross: new Money(gross),
    net: new Money(net),
  } satisfies SpendPoint;
}

function timeline(points: SpendPoint[], through: string): SpendTimeline {
  return { points, dataThroughMs: Date.parse(through) };
}

describe('budget periods', () => {
  it.each([
    [
      'February 2026',
      '2026-02-14T12:00:00Z',
      28,
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ],
    [
      'February 2028',
      '2028-02-14T12:00:00Z',
      29,
      '2028-02-01T00:00:00.000Z',
      '2028-03-01T00:00:00.000Z',
    ],
    [
      'April 2026',
      '2026-04-30T23:59:59Z',
      30,
      '2026-04-01T00:00:00.000Z',
      '2026-05-01T00:00:00.000Z',
    ],
    [
      'January 2026',
      '2026-01-01T00:00:00Z',
      31,
      '2026-01-01T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
    ],
  ])(
    'a month runs from its first to its last day: %s has %i days',
    (_m, at, length, start, end) => {
      const window = budgetPeriodAt('Monthly', at);
      expect(window).toEqual({ start, end, timeZone: 'UTC' });
      expect(daysOf(window)).toHaveLength(length);

      // Ten a day for the first week forecasts ten times the month's own length.
      const cc = costCenter('m', { budget: monthly('1000') });
      const points = daysOf(window)
        .slice(0, 7)
        .map((d) =>
          spend('m', new Date(d.startMs).toISOString(), '10', new Date(d.endMs).toISOString()),
        );
      const [status] = budgetStatuses({
        costCenters: [cc],
        timeline: timeline(points, new Date(daysOf(window)[6]!.endMs).toISOString()),
      });
      expect(status!.forecast).toBe(`${length * 10}.00`);
      expect(status!.forecastMethod).toBe('straight-line');
    },
  );

  it.each([
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
    [
      'Yearly',
      '2026-12-31T23:00:00Z',
      'Europe/Berlin',
      '2026-12-31T23:00:00.000Z',
      '2027-12-31T23:00:00.000Z',
    ],
    // Daylight saving starts on 29 March in Berlin: the month is an hour shorter.
    [
      'Monthly',
      '2026-03-15T00:00:00Z',
      'Europe/Berlin',
      '2026-02-28T23:00:00.000Z',
      '2026-03-31T22:00:00.000Z',
    ],
    [
      'Monthly',
      '2026-03-31T23:30:00Z',
      'Asia/Tokyo',
      '2026-03-31T15:00:00.000Z',
      '2026-04-30T15:00:00.000Z',
    ],
  ] as const)(
    'a %s period containing %s in %s runs from %s to %s',
    (period, at, zone, start, end) => {
      expect(budgetPeriodAt(period, at, zone)).toEqual({ start, end, timeZone: zone });
    },
  );
});

describe('budgetStatuses', () => {
  it("finds a parent's budget exceeded by two children each within their own", () => {
    const costCenters = [
      costCenter('engineering', { budget: monthly('100') }),
      costCenter('search', { parent: 'engineering', budget: monthly('60') }),
      costCenter('payments', { parent: 'engineering', budget: monthly('60') }),
    ];
    const statuses = budgetStatuses({
      costCenters,
      timeline: timeline(
        [
          spend('search', '2026-03-03T10:00:00Z', '55'),
          spend('payments', '2026-03-04T10:00:00Z', '50'),
        ],
        '2026-03-05T00:00:00Z',
      ),
    });
    const by = Object.fromEntries(statuses.map((s) => [s.costCenter, s]));
    expect(by.engineering).toMatchObject({ spend: '105', ownSpend: '0', exceeded: true });
    expect(by.engineering!.parentExceeded).toBe(false);
    for (const child of ['search', 'payments']) {
      expect(by[child]).toMatchObject({
        exceeded: false,
        parentExceeded: true,
        exceededAncestors: ['engineering'],
        parent: 'engineering',
      });
    }
  });

  it('rolls spend up through a CostCenter without a budget of its own', () => {
    const costCenters = [
      costCenter('company', { budget: monthly('10') }),
      costCenter('rnd', { parent: 'company' }),
      costCenter('lab', { parent: 'rnd' }),
    ];
    const [company] = budgetStatuses({
      costCenters,
      timeline: timeline([spend('lab', '2026-03-03T10:00:00Z', '12.5')], '2026-03-04T00:00:00Z'),
    });
    expect(company).toMatchObject({ costCenter: 'company', spend: '12.5', exceeded: true });
  });

  it('judges gross usage, so credits do not hide overspend, and shows the net beside it', () => {
    const [status] = budgetStatuses({
      costCenters: [costCenter('ml', { budget: monthly('100') })],
      timeline: timeline(
        [
          spend('ml', '2026-03-02T00:00:00Z', '120', '2026-03-03T00:00:00Z'),
          spend('ml', '2026-03-02T00:00:00Z', '0', '2026-03-03T00:00:00Z', '-50'),
        ],
        '2026-03-03T00:00:00Z',
      ),
    });
    expect(status).toMatchObject({
      spend: '120',
      net: '70',
      usedPercent: '120.00',
      exceeded: true,
    });
  });

  it('puts spend at 23:30 UTC on the last day of March into April in Asia/Tokyo', () => {
    // 23:00 on 31 March in Tokyo, then 08:30 on 1 April there.
    const points = ['tokyo', 'utc'].flatMap((name) => [
      spend(name, '2026-03-31T14:00:00Z', '1'),
      spend(name, '2026-03-31T23:30:00Z', '7'),
    ]);
    const statuses = budgetStatuses({
      costCenters: [
        costCenter('tokyo', { budget: monthly('100'), timeZone: 'Asia/Tokyo' }),
        costCenter('utc', { budget: monthly('100') }),
      ],
      timeline: timeline(points, '2026-04-01T00:00:00Z'),
    });
    const spendOf = (name: string) =>
      statuses.filter((s) => s.costCenter === name).map((s) => [s.period.start, s.spend]);
    expect(spendOf('tokyo')).toEqual([
      ['2026-02-28T15:00:00.000Z', '1'],
      ['2026-03-31T15:00:00.000Z', '7'],
    ]);
    expect(spendOf('utc')).toEqual([['2026-03-01T00:00:00.000Z', '8']]);
  });

  it('splits a daily bill line across a zone midnight by the hours on each side', () => {
    const [march, april] = budgetStatuses({
      costCenters: [costCenter('tokyo', { budget: monthly('100'), timeZone: 'Asia/Tokyo' })],
      timeline: timeline(
        [spend('tokyo', '2026-03-31T00:00:00Z', '24', '2026-04-01T00:00:00Z')],
        '2026-04-01T00:00:00Z',
      ),
    });
    expect([march!.spend, april!.spend]).toEqual(['15', '9']);
  });

  it('dates each threshold crossing to the moment cumulative spend reached it', () => {
    // Ten a day, spread over each day, from 1 March; then a lump of 30 at noon on the 6th.
    const days = daysOf(budgetPeriodAt('Monthly', '2026-03-01T00:00:00Z')).slice(0, 8);
    const points = days.map((d) =>
      spend('ops', new Date(d.startMs).toISOString(), '10', new Date(d.endMs).toISOString()),
    );
    points.push(spend('ops', '2026-03-06T12:00:00Z', '30'));
    const [status] = budgetStatuses({
      costCenters: [costCenter('ops', { budget: monthly('100', [25, 60, 80, 90, 150]) })],
      timeline: timeline(points, '2026-03-09T00:00:00Z'),
    });
    expect(status!.thresholds).toEqual([
      { percent: 25, amount: '25', crossedAt: '2026-03-03T12:00:00.000Z' },
      // 55 by noon on the 6th, then the lump: 60, 80 and 85 at that instant.
      { percent: 60, amount: '60', crossedAt: '2026-03-06T12:00:00.000Z' },
      { percent: 80, amount: '80', crossedAt: '2026-03-06T12:00:00.000Z' },
      // 85 at noon, 90 half a day later.
      { percent: 90, amount: '90', crossedAt: '2026-03-07T00:00:00.000Z' },
      { percent: 150, amount: '150', crossedAt: null },
    ]);
    expect(status!.spend).toBe('110');
  });

  it('judges only the period containing a given moment when asked to', () => {
    const statuses = budgetStatuses({
      costCenters: [costCenter('ml', { budget: monthly('100') })],
      timeline: timeline(
        [spend('ml', '2026-02-10T00:00:00Z', '40'), spend('ml', '2026-03-10T00:00:00Z', '3')],
        '2026-03-11T00:00:00Z',
      ),
      at: '2026-03-20T00:00:00Z',
    });
    expect(statuses.map((s) => [s.period.start, s.spend])).toEqual([
      ['2026-03-01T00:00:00.000Z', '3'],
    ]);
  });

  it('does not count spend in another currency against the budget, and names it', () => {
    const [status] = budgetStatuses({
      costCenters: [costCenter('eu', { budget: { ...monthly('100'), currency: 'EUR' } })],
      timeline: timeline([spend('eu', '2026-03-10T00:00:00Z', '40')], '2026-03-11T00:00:00Z'),
    });
    expect(status).toMatchObject({ spend: '0', otherCurrencies: ['USD'] });
  });

  it('refuses a cycle of parents with the file and line of a CostCenter in it', () => {
    const costCenters = [
      costCenter('a', { parent: 'c', budget: monthly('1') }),
      costCenter('b', { parent: 'a' }),
      costCenter('c', { parent: 'b' }),
    ];
    const run = () =>
      budgetStatuses({ costCenters, timeline: timeline([], '2026-03-01T00:00:00Z') });
    expect(run).toThrow(BudgetHierarchyError);
    expect(run).toThrow(
      /cost-centers\.yaml:\d+: spec\.parent: CostCenter a is its own ancestor \(a -> c -> b -> a\)/,
    );
  });

  it('refuses a time zone that is not an IANA name', () => {
    const run = () =>
      budgetStatuses({
        costCenters: [costCenter('x', { budget: monthly('1'), timeZone: 'Mars/Olympus' })],
        timeline: timeline([], '2026-03-01T00:00:00Z'),
        at: '2026-03-01T00:00:00Z',
      });
    expect(run).toThrow(/spec\.timeZone 'Mars\/Olympus' is not an IANA time zone/);
  });
});

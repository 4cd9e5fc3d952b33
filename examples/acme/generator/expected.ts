// Where the bill should land, worked out from the generator's own knowledge of every caller, by
// the reconciliation rule: a usage line goes to the requests of its day, account, model and token
// class by their tokens, up to the share of its tokens they account for; the rest, and lines with
// no requests, go to the account's owner or stay unattributed; a line that names its caller goes to
// that caller; fees, credits and tax follow the account's usage in proportion to its cost.
import { Decimal } from 'decimal.js';
import type { BillLine } from './bill.js';
import type { Call } from './calls.js';
import { SANDBOX, type Account } from './org.js';

export interface ExpectationOptions {
  /** Match requests to lines of their own region too (the CUR bills by the calling region). */
  matchRegion: boolean;
}

/** Amounts by `costCenter  <- where from`, `costCenter` being `unattributed` when none. */
export type Expected = Map<string, Decimal>;

const UNATTRIBUTED = 'unattributed';

export function expectedAttribution(
  bill: readonly BillLine[],
  calls: readonly Call[],
  options: ExpectationOptions,
): Expected {
  const bedrock = bill.filter((l) => l.row.line_item_product_code === 'AmazonBedrock');
  const usageByAccount = new Map<Account, Map<string, Decimal>>();
  const expected: Expected = new Map();
  const add = (line: BillLine, label: string, amount: Decimal) => {
    plus(expected, label, amount);
    if (line.type === 'Usage') {
      const usage = usageByAccount.get(line.account) ?? new Map<string, Decimal>();
      plus(usage, label, amount);
      usageByAccount.set(line.account, usage);
    }
  };
  const toAccount = (line: BillLine, amount: Decimal, why: string) =>
    add(
      line,
      line.account === SANDBOX ? 'data-science  <- account' : `${UNATTRIBUTED}  <- ${why}`,
      amount,
    );

  for (const line of bedrock) {
    if (line.type !== 'Usage' || line.model === null || line.tokenClass === null) continue;
    const tokenClass = line.tokenClass;
    if (line.principal !== '') {
      add(line, 'data-science  <- IAM principal on the bill', line.cost);
      continue;
    }
    const covering = calls.filter(
      (c) =>
        c.day === line.day &&
        c.account === line.account.id &&
        (!options.matchRegion || c.region === line.region) &&
        c.model === line.model &&
        (c.tokens[tokenClass] ?? 0) > 0,
    );
    const seen = covering.reduce((s, c) => s + (c.tokens[tokenClass] ?? 0), 0);
    if (seen === 0) {
      toAccount(line, line.cost, 'no request');
      continue;
    }
    const billed = line.tokens ?? seen;
    const toRequests = billed > seen ? line.cost.times(seen).div(billed) : line.cost;
    for (const c of covering) {
      const cc = c.caller.expect.costCenter ?? UNATTRIBUTED;
      add(
        line,
        `${cc}  <- ${c.caller.name}`,
        toRequests.times(c.tokens[tokenClass] ?? 0).div(seen),
      );
    }
    if (billed > seen) toAccount(line, line.cost.minus(toRequests), 'tokens no request saw');
  }

  // Fees, credits and tax, in proportion to the usage already placed in their account.
  for (const line of bedrock.filter((l) => l.type !== 'Usage')) {
    const usage = usageByAccount.get(line.account) ?? new Map<string, Decimal>();
    const base = [...usage.values()].reduce((s, v) => s.plus(v), new Decimal(0));
    for (const [label, amount] of usage) {
      plus(
        expected,
        `${label.split('  <- ')[0]!}  <- ${line.type.toLowerCase()} share`,
        line.cost.times(amount).div(base),
      );
    }
  }
  return expected;
}

/** Totals by cost center. */
export function byCostCenter(expected: Expected): Map<string, Decimal> {
  const totals = new Map<string, Decimal>();
  for (const [label, amount] of expected) plus(totals, label.split('  <- ')[0]!, amount);
  return totals;
}

function plus(map: Map<string, Decimal>, key: string, amount: Decimal): void {
  map.set(key, (map.get(key) ?? new Decimal(0)).plus(amount));
}

// Writes examples/acme/data/: Acme Robotics' October 2026 CUR 2.0 export, Bedrock invocation
// logs, LLM gateway events and SCIM inventory. Seeded, so every run writes the same bytes; prints
// the bill's totals and the attribution a reader should expect.
//
//   npx tsx examples/acme/generate.ts
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Decimal } from 'decimal.js';
import { generateCalls, type Call } from './generator/calls.js';
import { buildBill, type BillLine } from './generator/bill.js';
import { CUR_COLUMNS } from './generator/cur-rows.js';
import { gatewayEvent } from './generator/events.js';
import { byCostCenter, expectedAttribution } from './generator/expected.js';
import { invocationLogRecord } from './generator/logs.js';
import { DAY_MS, MONTH_START_MS, PROD, SANDBOX } from './generator/org.js';
import { Random } from './generator/random.js';
import { scimInventory } from './generator/scim.js';

const SEED = 20261001;
const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data');
/** Invocation logs in week-long files; the second and fourth weeks gzipped, as S3 delivers them. */
const LOG_WEEKS = [1, 8, 15, 22, 29, 32];
const GZIPPED_LOG_WEEKS = new Set([8, 22]);

function main(): void {
  const random = new Random(SEED);
  const calls = generateCalls(random);
  const bill = buildBill(random, calls);
  const logRecords = calls
    .filter((c) => c.caller.via === 'bedrock')
    .map((c) => ({ call: c, record: invocationLogRecord(random, c) }));
  const events = calls.filter((c) => c.caller.via === 'gateway').map((c) => gatewayEvent(c));
  const scim = scimInventory(random);

  rmSync(DATA_DIR, { recursive: true, force: true });
  writeCur(
    'acme-bedrock-daily-00001.csv.gz',
    bill.filter((l) => l.account === PROD),
  );
  writeCur(
    'acme-bedrock-daily-00002.csv',
    bill.filter((l) => l.account === SANDBOX),
  );

  for (let w = 0; w < LOG_WEEKS.length - 1; w++) {
    const [from, to] = [LOG_WEEKS[w]!, LOG_WEEKS[w + 1]!];
    const lines = logRecords
      .filter(({ call }) => call.day >= from && call.day < to)
      .map(({ record }) => JSON.stringify(record));
    const name = `${PROD.id}_BedrockModelInvocationLogs_us-east-1_${ymd(from)}-${ymd(to)}`;
    const gzip = GZIPPED_LOG_WEEKS.has(from);
    write(
      join('bedrock-logs', `${name}.${gzip ? 'json.gz' : 'jsonl'}`),
      lines.join('\n') + '\n',
      gzip,
    );
  }

  const half = events.findIndex((e) => e.timestamp >= '2026-10-16');
  write(join('events', 'llm-gateway-20261001-20261016.ndjson'), ndjson(events.slice(0, half)));
  write(join('events', 'llm-gateway-20261016-20261101.ndjson'), ndjson(events.slice(half)));

  write(join('scim', 'users.json'), JSON.stringify(scim.users, null, 2) + '\n');
  write(join('scim', 'groups.json'), JSON.stringify(scim.groups, null, 2) + '\n');

  printSummary(bill, calls, logRecords.length, events.length);
}

function writeCur(name: string, lines: BillLine[]): void {
  const sorted = [...lines].sort(
    (a, b) =>
      (a.day ?? 99) - (b.day ?? 99) ||
      a.row.line_item_usage_type.localeCompare(b.row.line_item_usage_type) ||
      a.principal.localeCompare(b.principal),
  );
  const text = [
    CUR_COLUMNS.join(','),
    ...sorted.map((l) => csvLine(CUR_COLUMNS.map((c) => l.row[c]))),
  ];
  write(join('cur', name), text.join('\n') + '\n', name.endsWith('.gz'));
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvLine(values: readonly string[]): string {
  return values.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
}

function ndjson(items: readonly unknown[]): string {
  return items.map((i) => JSON.stringify(i)).join('\n') + '\n';
}

function write(relative: string, text: string, gzip = false): void {
  const path = join(DATA_DIR, relative);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, gzip ? gzipSync(Buffer.from(text, 'utf8'), { level: 9 }) : text);
}

function ymd(day: number): string {
  return new Date(MONTH_START_MS + (day - 1) * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '');
}

/** The bill's totals, and where its Bedrock spend should land, by cost center and by source. */
function printSummary(bill: BillLine[], calls: Call[], logCount: number, eventCount: number): void {
  const total = (lines: BillLine[]) => lines.reduce((s, l) => s.plus(l.cost), new Decimal(0));
  const bedrock = bill.filter((l) => l.row.line_item_product_code === 'AmazonBedrock');
  const out = (amount: Decimal, label: string) =>
    console.log(`${amount.toFixed(2).padStart(10)}  ${label}`);

  console.log(`CUR rows ${bill.length}, log records ${logCount}, gateway events ${eventCount}`);
  out(total(bill), 'whole export');
  out(total(bedrock), 'Amazon Bedrock (AI scope)');
  for (const type of ['Usage', 'Credit', 'Fee', 'Tax'] as const) {
    out(total(bedrock.filter((l) => l.type === type)), `  ${type}`);
  }
  out(total(bedrock.filter((l) => l.account === PROD)), '  acme-prod');
  out(total(bedrock.filter((l) => l.account === SANDBOX)), '  acme-ml-sandbox');

  const regionBlind = expectedAttribution(bill, calls, { matchRegion: false });
  const regionAware = expectedAttribution(bill, calls, { matchRegion: true });
  const blind = byCostCenter(regionBlind);
  const aware = byCostCenter(regionAware);
  console.log('\nBy cost center: region-blind matching, region-aware matching');
  for (const cc of [...blind.keys()].sort()) {
    const a = aware.get(cc) ?? new Decimal(0);
    console.log(`${blind.get(cc)!.toFixed(2).padStart(10)}${a.toFixed(2).padStart(10)}  ${cc}`);
  }
  console.log('\nBy source, region-aware:');
  for (const [label, amount] of [...regionAware].sort((a, b) => a[0].localeCompare(b[0]))) {
    out(amount, label);
  }
}

main();

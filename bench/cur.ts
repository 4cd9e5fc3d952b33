// Reading a CUR 2.0 CSV export: rows/s through the full `aws-cur-2.0` reader (the records sync
// hands to the store, without the store) against csv-parse alone over the same file, in
// alternating rounds, medians reported; then the reader's peak memory in a process of its own,
// over the file and over one four times its size, to show that memory does not grow with the file.
// ARGMIN_BENCH_CUR_ROWS sets the rows of the smaller file.
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { readerFor } from '../connectors/index.js';
import { CUR_COLUMNS } from '../examples/acme/generator/cur-rows.js';

const ROWS = Number(process.env.ARGMIN_BENCH_CUR_ROWS ?? 250_000);
const ROUNDS = 5;
const GROWTH = 4;
const TARGET_SHARE_OF_CSV_PARSE = 0.5;
const MEMORY_SAMPLE_MS = 20;
/** Room for the loaded modules (about 40 MB of heap) and the reader's working set. */
const HEAP_CAP_MB = 96;
/** Rows generated per write, so the generator itself holds little. */
const WRITE_BATCH_ROWS = 2_000;

const TSX = resolve('node_modules/.bin/tsx');
const SELF = fileURLToPath(import.meta.url);

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'argmin-bench-cur-'));
  try {
    const small = join(dir, `cur-${ROWS}.csv`);
    const large = join(dir, `cur-${ROWS * GROWTH}.csv`);
    await writeCurFile(small, ROWS);
    await writeCurFile(large, ROWS * GROWTH);
    const bytes = (await stat(small)).size;

    const reader: Timing[] = [];
    const parser: Timing[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      reader.push(await timed(() => readThroughReader(small), ROWS));
      parser.push(await timed(() => parseOnly(small), ROWS + 1));
    }

    console.log(`file                    ${ROWS} Bedrock rows, ${mb(bytes)} MB, ${ROUNDS} rounds`);
    // CPU seconds as well as wall seconds: on a shared machine the wall clock also counts the
    // time other processes held the cores, which moves both figures but not the work done.
    for (const clock of ['wallSeconds', 'cpuSeconds'] as const) {
      const readerRate = ROWS / median(reader.map((t) => t[clock]));
      const parserRate = ROWS / median(parser.map((t) => t[clock]));
      const share = readerRate / parserRate;
      const verdict = share >= TARGET_SHARE_OF_CSV_PARSE ? 'met' : 'MISSED';
      const unit = clock === 'wallSeconds' ? 'rows/s' : 'rows per CPU second';
      console.log(`${clock === 'wallSeconds' ? 'wall clock' : 'CPU time'}, median round`);
      console.log(`  csv-parse alone       ${fmt(parserRate)} ${unit}`);
      console.log(`  aws-cur-2.0 reader    ${fmt(readerRate)} ${unit}`);
      console.log(
        `  share of csv-parse    ${(share * 100).toFixed(1)}% ` +
          `(target at least ${TARGET_SHARE_OF_CSV_PARSE * 100}%: ${verdict})`,
      );
    }

    // V8 lets the heap grow while memory is plentiful, so an uncapped peak moves from run to run;
    // finishing the larger file inside a small old generation shows what the reader really holds.
    for (const heapCapMb of [undefined, HEAP_CAP_MB]) {
      console.log(heapCapMb ? `with the old generation capped at ${heapCapMb} MB` : 'uncapped');
      for (const [file, rows] of [
        [small, ROWS],
        [large, ROWS * GROWTH],
      ] as const) {
        const peak = await peakMemoryOfReader(file, rows, heapCapMb);
        console.log(
          `  ${String(rows).padStart(8)} rows (${mb((await stat(file)).size)} MB): ` +
            `RSS ${mb(peak.startRssBytes)} MB before reading, peak ${mb(peak.maxRssBytes)} MB; ` +
            `peak heap ${mb(peak.heapBytes)} MB; ` +
            `${fmt(peak.rowsPerSecond)} rows/s`,
        );
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every record the reader yields, as sync consumes them; a quarantined row stops the bench. */
async function readThroughReader(file: string): Promise<number> {
  const reader = readerFor('aws-cur-2.0');
  if (reader === undefined) throw new Error('no aws-cur-2.0 reader');
  let rows = 0;
  const ctx = { connector: 'bench', provider: 'aws' } as const;
  for await (const record of reader.read({ path: file, name: 'cur.csv' }, ctx)) {
    if (record.kind !== 'cost') throw new Error(`bench row refused: ${JSON.stringify(record)}`);
    rows++;
  }
  return rows;
}

async function parseOnly(file: string): Promise<number> {
  let rows = 0;
  for await (const _record of createReadStream(file).pipe(parse())) rows++;
  return rows;
}

interface Timing {
  wallSeconds: number;
  /** User and system time of the whole process, the thread pool's file reads included. */
  cpuSeconds: number;
}

async function timed(read: () => Promise<number>, expectedRows: number): Promise<Timing> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const rows = await read();
  const cpu = process.cpuUsage(cpuStart);
  const wallSeconds = (performance.now() - start) / 1000;
  if (rows !== expectedRows) throw new Error(`read ${rows} rows, expected ${expectedRows}`);
  return { wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

interface PeakMemory {
  /** RSS once the reader's modules are loaded and before a row is read. */
  startRssBytes: number;
  maxRssBytes: number;
  heapBytes: number;
  rowsPerSecond: number;
}

/** A fresh process, so the peak is the reader's alone and not what earlier rounds left behind. */
async function peakMemoryOfReader(
  file: string,
  rows: number,
  heapCapMb: number | undefined,
): Promise<PeakMemory> {
  const cap = heapCapMb === undefined ? '' : ` --max-old-space-size=${heapCapMb}`;
  const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''}${cap}` };
  const { stdout } = await promisify(execFile)(TSX, [SELF, 'measure', file, String(rows)], { env });
  return JSON.parse(stdout) as PeakMemory;
}

/** The child's side: reads the file once, sampling heap use, and reports the kernel's peak RSS. */
async function measure(file: string, rows: number): Promise<void> {
  const startRssBytes = process.memoryUsage().rss;
  let heapBytes = 0;
  const sample = () => (heapBytes = Math.max(heapBytes, process.memoryUsage().heapUsed));
  const sampler = setInterval(sample, MEMORY_SAMPLE_MS);
  const { wallSeconds } = await timed(() => readThroughReader(file), rows);
  clearInterval(sampler);
  sample();
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  const peak: PeakMemory = {
    startRssBytes,
    maxRssBytes,
    heapBytes,
    rowsPerSecond: rows / wallSeconds,
  };
  process.stdout.write(JSON.stringify(peak));
}

// The columns the bundled example's CUR 2.0 export carries, in AWS's order.
const HEADER = CUR_COLUMNS;

const MODELS = [
  { billing: 'Claude4Sonnet', name: 'Claude Sonnet 4', provider: 'Anthropic', input: 0.003 },
  { billing: 'Claude3.5Haiku', name: 'Claude 3.5 Haiku', provider: 'Anthropic', input: 0.0008 },
  { billing: 'NovaPro', name: 'Nova Pro', provider: 'Amazon', input: 0.0008 },
  { billing: 'Llama3.3-70B', name: 'Llama 3.3 70B Instruct', provider: 'Meta', input: 0.00072 },
];
const TOKEN_CLASSES = [
  { suffix: 'input-tokens', words: 'input tokens', rate: 1 },
  { suffix: 'output-tokens', words: 'output tokens', rate: 5 },
  { suffix: 'cache-read-input-token-count', words: 'cache read input tokens', rate: 0.1 },
];
const ACCOUNTS = ['345678901234', '456789012345', '567890123456', '678901234567', '789012345678'];
const ROLES = ['search-ranker', 'support-agent', 'billing-summarizer', 'ml-batch-eval', ''];
const HOURS_IN_OCTOBER = 31 * 24;
const OCTOBER_START_MS = Date.UTC(2026, 9, 1);

/** Hourly Bedrock lines for October 2026, several accounts, models, token classes and callers. */
function curRow(i: number): string[] {
  const model = MODELS[i % MODELS.length]!;
  const tokenClass = TOKEN_CLASSES[Math.floor(i / MODELS.length) % TOKEN_CLASSES.length]!;
  const account = ACCOUNTS[Math.floor(i / 12) % ACCOUNTS.length]!;
  const role = ROLES[Math.floor(i / 60) % ROLES.length]!;
  const hour = Math.floor(i / 300) % HOURS_IN_OCTOBER;
  const start = new Date(OCTOBER_START_MS + hour * 3_600_000).toISOString().slice(0, 19) + 'Z';
  const end = new Date(OCTOBER_START_MS + (hour + 1) * 3_600_000).toISOString().slice(0, 19) + 'Z';

  const rate = model.input * tokenClass.rate;
  const thousands = ((i * 7919) % 500_000) / 1000 + 0.001;
  const cost = (thousands * rate).toFixed(8);
  const usageType = `USE1-${model.billing}-${tokenClass.suffix}`;
  const product = JSON.stringify({
    product_name: 'Amazon Bedrock',
    region: 'us-east-1',
    servicename: 'Amazon Bedrock',
    model: model.name,
    provider: model.provider,
    inference_type: 'On-demand',
  });
  const principal = role === '' ? '' : `arn:aws:sts::${account}:assumed-role/${role}/session`;
  const tags = role === '' ? '{}' : JSON.stringify({ user_team: role.split('-')[0] });
  const description = `$${rate} per 1K ${tokenClass.words} for ${model.name} in US East (N. Virginia)`;

  return [
    'Anniversary',
    'AWS',
    '2026-11-01T00:00:00Z',
    '2026-10-01T00:00:00Z',
    '',
    'Amazon Web Services, Inc.',
    '111122223333',
    'acme-payer',
    '{}',
    '{}',
    `bench${i.toString(36).padStart(10, '0')}`,
    `${start}/${end}`,
    '',
    cost,
    String(rate),
    'USD',
    principal,
    'Amazon Web Services, Inc.',
    description,
    'Usage',
    'Usage',
    'AmazonBedrock',
    '',
    cost,
    String(rate),
    account,
    `acme-${account.slice(0, 4)}`,
    thousands.toFixed(3),
    end,
    start,
    usageType,
    'USD',
    cost,
    String(rate),
    'OnDemand',
    '1K tokens',
    product,
    'US East (N. Virginia)',
    'AWS Region',
    'Usage',
    'us-east-1',
    'AmazonBedrock',
    `SKU${(i % 97).toString(36).toUpperCase().padStart(6, '0')}`,
    usageType,
    tags,
  ];
}

export async function writeCurFile(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(stringify([HEADER]));
  for (let from = 0; from < rows; from += WRITE_BATCH_ROWS) {
    const batch: string[][] = [];
    for (let i = from; i < Math.min(rows, from + WRITE_BATCH_ROWS); i++) batch.push(curRow(i));
    await write(stringify(batch));
  }
  out.end();
  await once(out, 'finish');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

if (process.argv[1] === SELF && process.argv[2] === 'measure') {
  await measure(process.argv[3]!, Number(process.argv[4]));
}

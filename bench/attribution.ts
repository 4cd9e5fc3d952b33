// Attribution at scale: an organisation of 2,000 services, 500 people and 200 CostCenters, a month
// of request events and the CUR 2.0 bill that matches them, loaded into the local PostgreSQL and
// attributed end to end by the engine. The attribution runs in a process of its own so that its
// peak memory is its own, not the generator's. ARGMIN_BENCH_ATTRIBUTION_EVENTS sets the events of
// the first run (1,000,000 by default); a run at ten times that follows when the first is quick
// and small enough. Last, the engine's queries are run against usage_events partitioned by month.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInterface } from 'node:readline';
import { Decimal } from 'decimal.js';
import pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { from as copyFrom } from 'pg-copy-streams';
import { copyPlan, USAGE_EVENTS_COLUMNS_SQL } from '../api/index.js';
import {
  attribute,
  emptyClusterState,
  Store,
  type AttributeResult,
  type CloudConnector,
  type ClusterState,
  type Group,
  type OwnershipLookup,
  type Person,
  type Sql,
  type TokenClass,
  type UsageEvent,
} from '../attribution/index.js';
import {
  isAiService,
  normalizeModelId,
  parseCodeowners,
  readerFor,
  syncConnector,
} from '../connectors/index.js';
import { REQUEST_GROUPS_SQL } from '../attribution/store/request-groups.js';
import { freshPostgres, type TestDatabase } from '../test/databases.js';
import { seededRandom } from '../test/seeded-random.js';

const EVENTS = Number(process.env.ARGMIN_BENCH_ATTRIBUTION_EVENTS ?? 1_000_000);
const SCALE_UP_FACTOR = 10;
const PARTITION_SAMPLE_EVENTS = 20_000;

const SERVICES = 2_000;
const NAMESPACES = 40;
const PEOPLE = 500;
const COST_CENTERS = 200;
/** One request in this many comes from a person rather than a workload. */
const PERSON_CALL_EVERY = 33;
/** The bill counts a little more than the events saw: retries, console use, dropped events. */
const BILLED_OVER_LOGGED = new Decimal('1.02');

/** Targets the bench compares against. */
const TARGET_SECONDS_PER_MILLION = 60;
const TARGET_PEAK_RSS_BYTES = 1024 ** 3;
const TARGET_BYTES_PER_EVENT = 300;
/** Past either of these at the first size, the run at ten times is not attempted. */
const SCALE_UP_MAX_SECONDS = 300;
const SCALE_UP_MAX_RSS_BYTES = 4 * 1024 ** 3;
const MEMORY_SAMPLE_MS = 100;

const CONNECTOR = 'aws';
const REPOSITORY = 'github.com/bench/services';
const PAYER_ACCOUNT = '100000000000';
const ACCOUNTS = Array.from({ length: 8 }, (_, i) => `2000000000${String(i).padStart(2, '0')}`);
/** Accounts a CostCenter lists as its own; the others' unexplained spend stays unattributed. */
const OWNED_ACCOUNTS = 6;
const REGION = 'us-east-1';
const MONTH_START_MS = Date.UTC(2026, 10, 1);
const DAYS_IN_MONTH = 30;
const DAY_MS = 86_400_000;

interface Model {
  id: string;
  billingName: string;
  displayName: string;
  /** USD per 1K tokens; a class the model does not bill is absent. */
  ratePer1K: Partial<Record<TokenClass, string>>;
}

const MODELS: readonly Model[] = [
  {
    id: 'anthropic.claude-sonnet-4-20250514-v1:0',
    billingName: 'Claude4Sonnet',
    displayName: 'Claude Sonnet 4',
    ratePer1K: {
      inputTokens: '0.003',
      outputTokens: '0.015',
      cacheReadTokens: '0.0003',
      cacheWriteTokens: '0.00375',
    },
  },
  {
    id: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    billingName: 'Claude3.5Haiku',
    displayName: 'Claude 3.5 Haiku',
    ratePer1K: {
      inputTokens: '0.0008',
      outputTokens: '0.004',
      cacheReadTokens: '0.00008',
      cacheWriteTokens: '0.001',
    },
  },
  {
    id: 'amazon.nova-pro-v1:0',
    billingName: 'NovaPro',
    displayName: 'Amazon Nova Pro',
    ratePer1K: { inputTokens: '0.0008', outputTokens: '0.0032', cacheReadTokens: '0.0002' },
  },
  {
    id: 'amazon.nova-lite-v1:0',
    billingName: 'NovaLite',
    displayName: 'Amazon Nova Lite',
    ratePer1K: { inputTokens: '0.00006', outputTokens: '0.00024', cacheReadTokens: '0.000015' },
  },
];

const USAGE_TYPE_SUFFIX: Record<TokenClass, string> = {
  inputTokens: 'input-tokens',
  outputTokens: 'output-tokens',
  cacheReadTokens: 'cache-read-input-token-count',
  cacheWriteTokens: 'cache-write-input-token-count',
};

/** How the engine finds a service's CostCenter, and how its requests name their caller. */
type Evidence = 'annotation' | 'irsa' | 'codeowners' | 'none';

interface Service {
  namespace: string;
  name: string;
  account: string;
  evidence: Evidence;
  models: [Model, Model];
}

interface Org {
  state: ClusterState;
  codeowners: Map<string, OwnershipLookup>;
  people: Person[];
  groups: Group[];
  services: Service[];
}

/** The organisation, the same on every call: the attributing process rebuilds it. */
function buildOrg(dir: string): Org {
  const state = emptyClusterState();
  const origin = (file: string, line: number) => ({ file: join(dir, file), line });
  const meta = (name: string, annotations: Record<string, string> = {}) => ({
    name,
    labels: {},
    annotations,
  });

  for (let k = 0; k < COST_CENTERS; k++) {
    state.costCenters.push({
      metadata: meta(`cc-${k}`),
      spec: {
        code: `CC${k}`,
        displayName: `Cost center ${k}`,
        ...(k >= 20 ? { parent: `cc-${k % 20}` } : {}),
        owners: { teams: [`@bench/team-${k}`] },
        // A few own an account outright: what no request explains there falls back to them.
        ...(k < OWNED_ACCOUNTS ? { accounts: [ACCOUNTS[k]!] } : {}),
        budget: { amount: '5000', currency: 'USD', period: 'Monthly' },
      },
      origin: origin('cost-centers.yaml', 1 + k * 12),
    });
  }
  for (let n = 0; n < NAMESPACES; n++) {
    state.namespaces.push({ metadata: meta(`ns-${n}`), origin: origin('namespaces.yaml', 1 + n) });
  }

  // Seven in ten services carry the annotation and call as their service account; of the rest,
  // some call only through their IRSA role, some are found only by CODEOWNERS, some by nothing.
  const evidenceOf = (i: number): Evidence => {
    const slot = i % 20;
    if (slot < 14) return 'annotation';
    if (slot < 17) return 'irsa';
    if (slot < 19) return 'codeowners';
    return 'none';
  };
  const services: Service[] = [];
  const codeownerLines = ['# Owners of each service folder', '* @bench/platform'];
  for (let i = 0; i < SERVICES; i++) {
    const namespace = `ns-${i % NAMESPACES}`;
    const name = `svc-${i}`;
    const account = ACCOUNTS[i % ACCOUNTS.length]!;
    const evidence = evidenceOf(i);
    const costCenter = `cc-${(i * 7) % COST_CENTERS}`;
    const annotations: Record<string, string> =
      evidence === 'annotation' || evidence === 'irsa'
        ? { 'argmin.io/cost-center': costCenter }
        : evidence === 'codeowners'
          ? { 'argmin.io/repository': REPOSITORY, 'argmin.io/source-path': `services/${name}` }
          : {};
    state.workloads.push({
      kind: 'Deployment',
      metadata: { ...meta(name, annotations), namespace },
      podLabels: { app: name },
      podAnnotations: {},
      serviceAccountName: name,
      images: [`registry.example/${name}:1`],
      origin: origin(`workloads/${namespace}.yaml`, 1 + Math.floor(i / NAMESPACES) * 30),
    });
    const saAnnotations: Record<string, string> =
      evidence === 'irsa'
        ? { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${account}:role/workloads/${name}` }
        : {};
    state.serviceAccounts.push({
      metadata: { ...meta(name, saAnnotations), namespace },
      origin: origin(`service-accounts/${namespace}.yaml`, 1 + Math.floor(i / NAMESPACES) * 8),
    });
    if (evidence === 'codeowners') {
      codeownerLines.push(`/services/${name}/ @bench/team-${(i * 7) % COST_CENTERS}`);
    }
    const primary = MODELS[i % MODELS.length]!;
    const secondary = MODELS[(i + 1 + (i % 3)) % MODELS.length]!;
    services.push({ namespace, name, account, evidence, models: [primary, secondary] });
  }

  const codeownersFile = join(dir, 'CODEOWNERS');
  const codeowners = new Map<string, OwnershipLookup>([
    [REPOSITORY, parseCodeowners(`${codeownerLines.join('\n')}\n`, codeownersFile, REPOSITORY)],
  ]);
  state.policies.push({
    metadata: meta('default'),
    spec: { repositories: [{ name: REPOSITORY, codeowners: 'file://CODEOWNERS' }] },
    origin: origin('attribution-policy.yaml', 1),
  });
  state.connectors.push(connectorOf(dir));

  // People: a SCIM costCenter for most, a department for some, a manager for all but the first.
  const source = (line: number) => ({ connector: CONNECTOR, file: join(dir, 'users.json'), line });
  const people: Person[] = Array.from({ length: PEOPLE }, (_, p) => ({
    id: `u${p}`,
    userName: `user${p}@bench.example`,
    displayName: `User ${p}`,
    emails: [`user${p}@bench.example`],
    active: p % 50 !== 49,
    costCenter: p % 5 < 3 ? `CC${p % COST_CENTERS}` : null,
    department: p % 5 === 3 ? `team-${(p * 3) % COST_CENTERS}` : null,
    managerId: p === 0 ? null : `u${Math.floor(p / 10)}`,
    groups: [],
    source: source(1 + p * 20),
  }));
  const groups: Group[] = Array.from({ length: COST_CENTERS }, (_, k) => ({
    id: `g${k}`,
    displayName: `team-${k}`,
    memberIds: people.filter((_, p) => p % COST_CENTERS === k).map((person) => person.id),
    source: { connector: CONNECTOR, file: join(dir, 'groups.json'), line: 1 + k * 10 },
  }));
  return { state, codeowners, people, groups, services };
}

function connectorOf(dir: string): CloudConnector {
  return {
    metadata: { name: CONNECTOR, labels: {}, annotations: {} },
    spec: {
      provider: 'aws',
      accounts: ACCOUNTS.map((id) => ({ id })),
      sources: [{ name: 'cur', format: 'aws-cur-2.0', url: 'file://cur/' }],
    },
    origin: { file: join(dir, 'cloud-connector.yaml'), line: 1 },
  };
}

function uuidOf(next: () => number): string {
  const hex = (digits: number) =>
    Math.floor(next() * 16 ** digits)
      .toString(16)
      .padStart(digits, '0');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(6)}${hex(6)}`;
}

/** Tokens the events logged, by bill line: account, model, token class and day. */
type LoggedTokens = Map<string, number>;

function* usageEvents(org: Org, count: number, logged: LoggedTokens): Generator<UsageEvent> {
  const next = seededRandom(count);
  for (let n = 0; n < count; n++) {
    const at = MONTH_START_MS + Math.floor(next() * DAYS_IN_MONTH * DAY_MS);
    const event: UsageEvent = {
      requestId: uuidOf(next),
      timestamp: new Date(at).toISOString(),
      provider: 'aws',
      model: null,
      latencyMs: 200 + Math.floor(next() * 4000),
      status: next() < 0.02 ? 'error' : 'ok',
      region: REGION,
    };
    let account: string;
    let model: Model;
    if (n % PERSON_CALL_EVERY === 0) {
      const p = Math.floor(next() * PEOPLE);
      account = ACCOUNTS[p % ACCOUNTS.length]!;
      model = MODELS[p % MODELS.length]!;
      event.identity = { user: `user${p}@bench.example` };
    } else {
      // A few services make most of the calls, as in any organisation.
      const service = org.services[Math.floor(next() ** 2 * SERVICES)]!;
      account = service.account;
      model = service.models[next() < 0.8 ? 0 : 1];
      event.identity =
        service.evidence === 'irsa'
          ? {
              awsPrincipal: `arn:aws:sts::${account}:assumed-role/${service.name}/botocore-session-${Math.floor(next() * 3)}`,
            }
          : { serviceAccount: `${service.namespace}/${service.name}` };
      if (next() < 0.3) event.attributes = { feature: `feature-${Math.floor(next() * 12)}` };
    }
    event.model = model.id;
    event.account = account;
    event.inputTokens = 200 + Math.floor(next() * 3800);
    event.outputTokens = 50 + Math.floor(next() * 950);
    if (model.ratePer1K.cacheReadTokens && next() < 0.3) event.cacheReadTokens = 1024;
    if (model.ratePer1K.cacheWriteTokens && next() < 0.1) event.cacheWriteTokens = 1024;
    let cost = 0;
    const day = Math.floor((at - MONTH_START_MS) / DAY_MS);
    for (const tokenClass of Object.keys(USAGE_TYPE_SUFFIX) as TokenClass[]) {
      const tokens = event[tokenClass];
      if (!tokens) continue;
      cost += (tokens / 1000) * Number(model.ratePer1K[tokenClass]);
      const key = `${account}|${MODELS.indexOf(model)}|${tokenClass}|${day}`;
      logged.set(key, (logged.get(key) ?? 0) + tokens);
    }
    event.cost = cost.toFixed(8);
    yield event;
  }
}

const CUR_COLUMNS = [
  'identity_line_item_id',
  'identity_time_interval',
  'bill_payer_account_id',
  'bill_billing_period_start_date',
  'bill_billing_period_end_date',
  'line_item_usage_account_id',
  'line_item_line_item_type',
  'line_item_usage_start_date',
  'line_item_usage_end_date',
  'line_item_product_code',
  'line_item_usage_type',
  'line_item_operation',
  'line_item_usage_amount',
  'line_item_unblended_cost',
  'line_item_currency_code',
  'pricing_unit',
  'pricing_public_on_demand_cost',
  'product',
] as const;

/** The month's CUR 2.0 export: a line per account, model, token class and day, and the rest. */
function curExport(logged: LoggedTokens): { csv: string; lines: number } {
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const monthEnd = MONTH_START_MS + DAYS_IN_MONTH * DAY_MS;
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows: string[] = [CUR_COLUMNS.join(',')];
  let id = 0;
  const line = (values: Partial<Record<(typeof CUR_COLUMNS)[number], string>>, day?: number) => {
    const start = day === undefined ? MONTH_START_MS : MONTH_START_MS + day * DAY_MS;
    const end = day === undefined ? monthEnd : start + DAY_MS;
    const row: Record<string, string> = {
      identity_line_item_id: `bench${String(id++).padStart(8, '0')}`,
      identity_time_interval: `${stamp(start)}/${stamp(end)}`,
      bill_payer_account_id: PAYER_ACCOUNT,
      bill_billing_period_start_date: stamp(MONTH_START_MS),
      bill_billing_period_end_date: stamp(monthEnd),
      line_item_usage_start_date: stamp(start),
      line_item_usage_end_date: stamp(end),
      line_item_currency_code: 'USD',
      ...values,
    };
    rows.push(CUR_COLUMNS.map((c) => quote(row[c] ?? '')).join(','));
  };
  const bedrock = JSON.stringify({ product_name: 'Amazon Bedrock', region: REGION });
  const usageByAccount = new Map<string, Decimal>();

  for (const [key, tokens] of [...logged.entries()].sort()) {
    const [account = '', modelIndex = '', tokenClass = '', day = ''] = key.split('|');
    const model = MODELS[Number(modelIndex)]!;
    const billed = BILLED_OVER_LOGGED.times(tokens).ceil();
    const amount = billed.div(1000);
    const cost = amount.times(model.ratePer1K[tokenClass as TokenClass]!);
    usageByAccount.set(account, (usageByAccount.get(account) ?? new Decimal(0)).plus(cost));
    const usageType = `USE1-${model.billingName}-${USAGE_TYPE_SUFFIX[tokenClass as TokenClass]}`;
    line(
      {
        line_item_usage_account_id: account,
        line_item_line_item_type: 'Usage',
        line_item_product_code: 'AmazonBedrock',
        line_item_usage_type: usageType,
        line_item_operation: 'Usage',
        line_item_usage_amount: amount.toFixed(),
        line_item_unblended_cost: cost.toFixed(),
        pricing_unit: '1K tokens',
        pricing_public_on_demand_cost: cost.toFixed(),
        product: bedrock,
      },
      Number(day),
    );
  }
  for (const [account, usage] of usageByAccount) {
    line({
      line_item_usage_account_id: account,
      line_item_line_item_type: 'Tax',
      line_item_product_code: 'AmazonBedrock',
      line_item_unblended_cost: usage.times('0.06').toDecimalPlaces(2).toFixed(),
      product: bedrock,
    });
  }
  line({
    line_item_usage_account_id: ACCOUNTS[0]!,
    line_item_line_item_type: 'Credit',
    line_item_product_code: 'AmazonBedrock',
    line_item_unblended_cost: '-250',
    product: bedrock,
  });
  // Outside AI scope: counted, never attributed.
  line(
    {
      line_item_usage_account_id: ACCOUNTS[1]!,
      line_item_line_item_type: 'Usage',
      line_item_product_code: 'AmazonS3',
      line_item_usage_type: 'USE1-TimedStorage-ByteHrs',
      line_item_usage_amount: '120',
      line_item_unblended_cost: '2.76',
      pricing_unit: 'GB-Mo',
      product: JSON.stringify({ product_name: 'Amazon Simple Storage Service', region: REGION }),
    },
    0,
  );
  return { csv: `${rows.join('\n')}\n`, lines: rows.length - 1 };
}

interface Loaded {
  events: number;
  billLines: number;
  loadSeconds: number;
}

/** Writes the organisation, the events (by COPY, streamed) and the bill into the database. */
async function load(url: string, dir: string, count: number): Promise<Loaded> {
  const org = buildOrg(dir);
  const started = performance.now();
  const store = await Store.open(url);
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await store.replaceInventory(CONNECTOR, org.people, org.groups);
    const columns = await client.query<{ column_name: string }>(USAGE_EVENTS_COLUMNS_SQL);
    const plan = copyPlan(columns.rows.map((r) => r.column_name));
    if (!('sql' in plan)) throw new Error(`usage_events has unknown columns ${plan.unknown}`);
    const logged: LoggedTokens = new Map();
    const events = usageEvents(org, count, logged);
    const chunks = function* () {
      let chunk = '';
      let n = 0;
      for (const event of events) {
        chunk += plan.row(event, 'bench');
        if (++n % 2_000 === 0) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    };
    await pipeline(Readable.from(chunks()), client.query(copyFrom(plan.sql)));

    const bill = curExport(logged);
    await mkdir(join(dir, 'cur'), { recursive: true });
    await writeFile(join(dir, 'cur', 'bench-00001.csv'), bill.csv);
    const synced = await syncConnector(connectorOf(dir), { store, baseDir: dir, readerFor });
    if (synced.quarantined.length > 0) {
      throw new Error(`the bill was refused: ${JSON.stringify(synced.quarantined[0])}`);
    }
    await client.query('VACUUM ANALYZE usage_events');
    return {
      events: count,
      billLines: bill.lines,
      loadSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await client.end();
    await store.close();
  }
}

interface Storage {
  table: number;
  indexes: { name: string; bytes: number }[];
  total: number;
  rows: number;
  /** Average stored width of each column, from the planner's statistics. */
  columnWidths: { column: string; bytes: number }[];
}

/** What usage_events takes on disk, partitions summed, with its indexes. */
async function storageOf(url: string): Promise<Storage> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // A plain table is no partition tree: it is named on its own, and a parent holds no rows.
    const tree = `SELECT relid FROM pg_partition_tree('usage_events')
                  UNION SELECT 'usage_events'::regclass`;
    const [sizes] = (
      await client.query<{ table: string; total: string; rows: string }>(
        `SELECT sum(pg_table_size(relid))::bigint AS table,
                sum(pg_total_relation_size(relid))::bigint AS total,
                (SELECT count(*) FROM usage_events)::bigint AS rows
           FROM (${tree}) t`,
      )
    ).rows;
    const indexes = await client.query<{ name: string; bytes: string }>(
      `SELECT pi.indexrelid::regclass::text AS name, pg_relation_size(pi.indexrelid)::bigint AS bytes
         FROM pg_index pi WHERE pi.indrelid IN (${tree}) ORDER BY 2 DESC`,
    );
    const widths = await client.query<{ column: string; bytes: number }>(
      `SELECT attname AS column, avg_width AS bytes FROM pg_stats
        WHERE tablename = 'usage_events' AND schemaname = current_schema() ORDER BY 2 DESC`,
    );
    return {
      table: Number(sizes!.table),
      total: Number(sizes!.total),
      rows: Number(sizes!.rows),
      indexes: indexes.rows.map((r) => ({ name: r.name, bytes: Number(r.bytes) })),
      columnWidths: widths.rows,
    };
  } finally {
    await client.end();
  }
}

/** One run of the engine as the attributing process saw it. */
interface Measured {
  seconds: number;
  /** Seconds inside each store call the engine made, and in its writes. */
  phases: Record<string, number>;
  /** The most heap in use as each phase's statements returned. */
  heapByPhase: Record<string, number>;
  /** The process's high-water resident set, from the kernel: exact, not sampled. */
  peakRssBytes: number;
  /** Sampled every 100 ms, and at each store call; a synchronous stretch is seen at its ends. */
  peakHeapBytes: number;
  heapLimitBytes: number;
  /** CPU the process itself used: on a loaded machine, wall time is also time spent waiting. */
  cpuSeconds: number;
  allocations: number;
  billed: string;
  attributed: string;
  unattributed: string;
}

const CHILD_ENV = 'ARGMIN_BENCH_ATTRIBUTION_DATABASE';
const CHILD_DIR_ENV = 'ARGMIN_BENCH_ATTRIBUTION_DIR';
const RESULT_PREFIX = 'attribution-result ';

/** Runs the attribution in a fresh Node process, sampling its resident memory from outside. */
async function attributeInChild(url: string, dir: string, nodeArgs: string[]): Promise<Measured> {
  const entry = new URL(import.meta.url).pathname;
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    env: { ...process.env, [CHILD_ENV]: url, [CHILD_DIR_ENV]: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let sampledRss = 0;
  const sampler = setInterval(() => {
    readFile(`/proc/${child.pid}/status`, 'utf8')
      .then((status) => (sampledRss = Math.max(sampledRss, kibibytes(status, 'VmRSS'))))
      .catch(() => undefined);
  }, MEMORY_SAMPLE_MS);
  let result: Measured | undefined;
  try {
    for await (const line of createInterface({ input: child.stdout! })) {
      if (line.startsWith(RESULT_PREFIX)) result = JSON.parse(line.slice(RESULT_PREFIX.length));
    }
    const code = await new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', resolve);
    });
    if (!result) {
      throw new Error(
        `the attributing process exited with ${code} after reaching ${mib(sampledRss)} MiB RSS`,
      );
    }
    return { ...result, peakRssBytes: Math.max(result.peakRssBytes, sampledRss) };
  } finally {
    clearInterval(sampler);
  }
}

function kibibytes(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** The attributing process: times each store call the engine makes and tracks its heap. */
async function attributeHere(url: string, dir: string): Promise<Measured> {
  const org = buildOrg(dir);
  const opened = await Store.open(url);
  const phases: Record<string, number> = {};
  const heapByPhase: Record<string, number> = {};
  let peakHeap = 0;
  const sampleHeap = () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed));
  const timed = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    sampleHeap();
    const start = performance.now();
    try {
      return await work();
    } finally {
      phases[phase] = (phases[phase] ?? 0) + (performance.now() - start) / 1000;
      sampleHeap();
      heapByPhase[phase] = Math.max(heapByPhase[phase] ?? 0, process.memoryUsage().heapUsed);
    }
  };
  // Each statement the engine sends is timed by what it does; the rest is time in Node.
  const phaseOf = (text: string): string | undefined =>
    /width_bucket|FROM request_groups/.test(text)
      ? 'summing requests'
      : /hashtextextended/.test(text)
        ? 'digesting inputs'
        : /^\s*INSERT INTO (attribution_runs|run_)/.test(text)
          ? 'writing the run'
          : undefined;
  const timing = (inner: Sql): Sql => ({
    backend: inner.backend,
    query: (text, params) => {
      const phase = phaseOf(text);
      return phase ? timed(phase, () => inner.query(text, params)) : inner.query(text, params);
    },
    exec: (text) => inner.exec(text),
    transaction: (work) => inner.transaction((tx) => work(timing(tx))),
    close: () => inner.close(),
  });
  const sql = timing(opened.sql);
  const store = new Proxy(opened, {
    get(target, property, receiver) {
      if (property === 'sql') return sql;
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        timed(`store.${String(property)}`, () => value.apply(receiver, args) as Promise<unknown>);
    },
  });
  const sampler = setInterval(sampleHeap, MEMORY_SAMPLE_MS);
  let result: AttributeResult;
  const start = performance.now();
  const cpuBefore = process.cpuUsage();
  try {
    result = await attribute({
      store,
      state: org.state,
      connectors: [CONNECTOR],
      codeowners: org.codeowners,
      isAiSpend: isAiService,
      normalizeModel: normalizeModelId,
    });
  } finally {
    clearInterval(sampler);
    await opened.close();
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const status = await readFile('/proc/self/status', 'utf8');
  const { heap_size_limit } = (await import('node:v8')).getHeapStatistics();
  return {
    seconds,
    phases,
    heapByPhase,
    peakRssBytes: kibibytes(status, 'VmHWM'),
    peakHeapBytes: peakHeap,
    heapLimitBytes: heap_size_limit,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    allocations: result.allocations.length,
    billed: result.report.totals.billed,
    attributed: result.report.totals.attributed,
    unattributed: result.report.totals.unattributed,
  };
}

if (process.env[CHILD_ENV]) {
  const measured = await attributeHere(process.env[CHILD_ENV], process.env[CHILD_DIR_ENV]!);
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(measured)}\n`);
}

interface SizeRun {
  loaded: Loaded;
  measured: Measured;
  storage: Storage;
  /** What the run itself wrote: its allocations and the paths of its callers. */
  written: { table: string; rows: number; bytes: number }[];
  load: string;
  /** The same attribution again, with Node's default heap instead of the deployed one. */
  defaultHeap?: Measured;
}

/** The Node options the operator's Deployment runs the engine with, read from config/. */
async function deployedNodeOptions(): Promise<string[]> {
  const file = new URL('../config/operator/deployment.yaml', import.meta.url);
  const deployment = parseYaml(await readFile(file, 'utf8')) as {
    spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
  };
  const env = deployment.spec.template.spec.containers[0]!.env ?? [];
  return (env.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '').split(' ').filter(Boolean);
}

async function runAt(count: number, alsoDefaultHeap: boolean): Promise<SizeRun> {
  const db = await freshPostgres();
  const dir = await mkdtemp(join(tmpdir(), 'argmin-bench-attribution-'));
  try {
    const loaded = await load(db.url!, dir, count);
    const storage = await storageOf(db.url!);
    reportLoad(loaded, storage);
    const profileDir = process.env.ARGMIN_BENCH_ATTRIBUTION_CPU_PROF;
    const deployed = await deployedNodeOptions();
    console.log(
      `engine process          node ${deployed.join(' ')} (NODE_OPTIONS of config/operator/deployment.yaml)`,
    );
    const nodeArgs = [
      ...deployed,
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      // Node options for the attributing process, e.g. a heap limit to see the live set.
      ...(process.env.ARGMIN_BENCH_ATTRIBUTION_NODE_ARGS ?? '').split(' ').filter(Boolean),
    ];
    const before = loadAverage();
    console.log(`load average            ${before} as the engine starts`);
    const measured = await attributeInChild(db.url!, dir, nodeArgs);
    const after = loadAverage();
    const written = await writtenBy(db.url!);
    // Once more on the same data with Node's defaults: what a heap allowed to grow costs.
    const defaultHeap = alsoDefaultHeap ? await attributeInChild(db.url!, dir, []) : undefined;
    return {
      loaded,
      measured,
      storage,
      written,
      load: `${before} before, ${after} after`,
      ...(defaultHeap ? { defaultHeap } : {}),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
}

async function writtenBy(url: string): Promise<SizeRun['written']> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const written: SizeRun['written'] = [];
    for (const table of [
      'run_allocations',
      'run_attributions',
      'run_lines',
      'run_paths',
      'run_inputs',
    ]) {
      const { rows } = await client.query<{ rows: string; bytes: string }>(
        `SELECT (SELECT count(*) FROM ${table})::bigint AS rows,
                pg_total_relation_size('${table}')::bigint AS bytes`,
      );
      written.push({ table, rows: Number(rows[0]!.rows), bytes: Number(rows[0]!.bytes) });
    }
    return written;
  } finally {
    await client.end();
  }
}

const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

/** Printed before the engine runs, so a run that fails still reports its data. */
function reportLoad(loaded: Loaded, storage: Storage): void {
  const perEvent = storage.total / storage.rows;
  console.log(`events                  ${fmt(loaded.events)}, bill lines ${fmt(loaded.billLines)}`);
  console.log(`generated and loaded    ${loaded.loadSeconds.toFixed(1)} s (COPY, bill synced)`);
  console.log(
    `storage per event       ${perEvent.toFixed(0)} bytes with indexes ` +
      `(table ${(storage.table / storage.rows).toFixed(0)}, ` +
      storage.indexes.map((i) => `${i.name} ${(i.bytes / storage.rows).toFixed(0)}`).join(', ') +
      `; target <= ${TARGET_BYTES_PER_EVENT}: ${verdict(perEvent <= TARGET_BYTES_PER_EVENT)})`,
  );
  console.log(
    `widest columns          ${storage.columnWidths
      .slice(0, 8)
      .map((c) => `${c.column} ${c.bytes}`)
      .join(', ')} (average bytes where not null)`,
  );
}

function report(run: SizeRun, targetSeconds: number): void {
  const { measured } = run;
  console.log(
    `attribution wall time   ${measured.seconds.toFixed(1)} s ` +
      `(target < ${targetSeconds} s: ${verdict(measured.seconds < targetSeconds)}), ` +
      `${measured.cpuSeconds.toFixed(1)} s of CPU in the attributing process`,
  );
  // The small reads run beside the events query, so their seconds overlap it by milliseconds.
  const phases = Object.entries(measured.phases).sort((a, b) => b[1] - a[1]);
  const inStore = phases.reduce((sum, [, s]) => sum + s, 0);
  for (const [phase, seconds] of phases) {
    const heap = measured.heapByPhase[phase];
    const at = heap === undefined ? '' : `, heap in use up to ${mib(heap)} MiB`;
    console.log(`  ${phase.padEnd(22)}${seconds.toFixed(1)} s${at}`);
  }
  console.log(`  ${'in Node otherwise'.padEnd(22)}${(measured.seconds - inStore).toFixed(1)} s`);
  console.log(
    `peak memory             RSS ${mib(measured.peakRssBytes)} MiB, heap ${mib(measured.peakHeapBytes)} MiB ` +
      `of ${mib(measured.heapLimitBytes)} MiB ` +
      `(target RSS < ${mib(TARGET_PEAK_RSS_BYTES)} MiB: ${verdict(measured.peakRssBytes < TARGET_PEAK_RSS_BYTES)})`,
  );
  if (run.defaultHeap) {
    const d = run.defaultHeap;
    console.log(
      `with Node's default heap ${d.seconds.toFixed(1)} s, RSS ${mib(d.peakRssBytes)} MiB, ` +
        `heap ${mib(d.peakHeapBytes)} MiB of ${mib(d.heapLimitBytes)} MiB (no NODE_OPTIONS)`,
    );
  }
  console.log(
    `allocations             ${fmt(measured.allocations)}; billed ${measured.billed} = ` +
      `${measured.attributed} attributed + ${measured.unattributed} unattributed`,
  );
  console.log(
    `written by the run      ${run.written
      .map((w) => `${w.table} ${fmt(w.rows)} rows, ${mib(w.bytes)} MiB`)
      .join('; ')}`,
  );
  console.log(`load average            ${run.load}`);
}

/**
 * The engine against usage_events partitioned by month: the same sample attributed on a plain
 * table and on a partitioned one must report the same, and the store's own insert is tried too.
 */
async function partitionCheck(): Promise<void> {
  const plain = await freshPostgres();
  const partitioned = await freshPostgres();
  const dir = await mkdtemp(join(tmpdir(), 'argmin-bench-attribution-'));
  try {
    await partitionUsageEvents(partitioned);
    const reports: string[] = [];
    for (const db of [plain, partitioned]) {
      await load(db.url!, dir, PARTITION_SAMPLE_EVENTS);
      const store = await Store.open(db.url!);
      try {
        const org = buildOrg(dir);
        const result = await attribute({
          store,
          state: org.state,
          connectors: [CONNECTOR],
          codeowners: org.codeowners,
          isAiSpend: isAiService,
          normalizeModel: normalizeModelId,
        });
        reports.push(JSON.stringify(result.report));
      } finally {
        await store.close();
      }
    }
    const storage = await storageOf(partitioned.url!);
    console.log(
      `partitioned by month    ${fmt(PARTITION_SAMPLE_EVENTS)} events: the engine ran; its report ` +
        (reports[0] === reports[1] ? 'equals' : 'DIFFERS FROM') +
        ' the plain table’s',
    );
    console.log(
      `  storage per event     ${(storage.total / storage.rows).toFixed(0)} bytes with indexes ` +
        `over ${storage.indexes.length} partition indexes`,
    );
    console.log(`  store insert          ${await tryStoreInsert(partitioned)}`);
    console.log(`  events query plan     ${await eventsPlan(partitioned)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await plain.drop();
    await partitioned.drop();
  }
}

/**
 * Replaces the migrated usage_events with one of the same columns partitioned by month. A unique
 * key on a partitioned table must hold the partition key, so request_id alone cannot be unique.
 */
async function partitionUsageEvents(db: TestDatabase): Promise<void> {
  const store = await Store.open(db.url!);
  await store.close();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE usage_events_by_month (LIKE usage_events INCLUDING DEFAULTS)
        PARTITION BY RANGE (ts);
      DROP TABLE usage_events;
      ALTER TABLE usage_events_by_month RENAME TO usage_events;
      ALTER TABLE usage_events ADD PRIMARY KEY (request_id, ts);
      CREATE INDEX usage_events_ts ON usage_events USING brin (ts);
      CREATE TABLE usage_events_2026_10 PARTITION OF usage_events
        FOR VALUES FROM ('2026-10-01') TO ('2026-11-01');
      CREATE TABLE usage_events_2026_11 PARTITION OF usage_events
        FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');
      CREATE TABLE usage_events_2026_12 PARTITION OF usage_events
        FOR VALUES FROM ('2026-12-01') TO ('2027-01-01');
      CREATE TABLE usage_events_default PARTITION OF usage_events DEFAULT;`);
  } finally {
    await client.end();
  }
}

async function tryStoreInsert(db: TestDatabase): Promise<string> {
  const store = await Store.open(db.url!);
  try {
    const event: UsageEvent = {
      requestId: 'partition-check-0001',
      timestamp: '2026-11-15T12:00:00Z',
      provider: 'aws',
      model: MODELS[0]!.id,
      inputTokens: 10,
    };
    const inserted = await store.insertUsageEvents([event], 'bench');
    const again = await store.insertUsageEvents([event], 'bench');
    return `insertUsageEvents stored ${inserted} event, then ${again} on a retry of it`;
  } catch (err) {
    return `insertUsageEvents FAILED: ${(err as Error).message}`;
  } finally {
    await store.close();
  }
}

async function eventsPlan(db: TestDatabase): Promise<string> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const plan = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (COSTS OFF) ${REQUEST_GROUPS_SQL}`.replace(/\$(\d)/g, (_, n: string) => {
        const args = ["'2026-11-01'", "'2026-12-01'", "ARRAY['2026-11-15T00:00:00Z']"];
        return args[Number(n) - 1]!;
      }),
    );
    const scanned = plan.rows
      .map((r) => /on (usage_events_\w+)/.exec(r['QUERY PLAN'])?.[1])
      .filter((p): p is string => p !== undefined);
    return `the period's query reads ${[...new Set(scanned)].join(', ') || 'no partition'} only`;
  } finally {
    await client.end();
  }
}

export async function run(): Promise<void> {
  const targetSeconds = (count: number) => (TARGET_SECONDS_PER_MILLION * count) / 1_000_000;
  console.log(
    `organisation            ${fmt(SERVICES)} services in ${NAMESPACES} namespaces, ` +
      `${fmt(PEOPLE)} people, ${COST_CENTERS} CostCenters, ${ACCOUNTS.length} accounts`,
  );
  const first = await runAt(EVENTS, true);
  report(first, targetSeconds(EVENTS));

  const { seconds, peakRssBytes } = first.measured;
  if (process.env.ARGMIN_BENCH_ATTRIBUTION_SCALE_UP === '0') {
    console.log(
      `at ${SCALE_UP_FACTOR}x                  not run: ARGMIN_BENCH_ATTRIBUTION_SCALE_UP=0`,
    );
  } else if (seconds > SCALE_UP_MAX_SECONDS || peakRssBytes > SCALE_UP_MAX_RSS_BYTES) {
    console.log(
      `at ${SCALE_UP_FACTOR}x                  not run: the first run took ${seconds.toFixed(0)} s ` +
        `and ${mib(peakRssBytes)} MiB (limits ${SCALE_UP_MAX_SECONDS} s, ${mib(SCALE_UP_MAX_RSS_BYTES)} MiB)`,
    );
  } else {
    const count = EVENTS * SCALE_UP_FACTOR;
    try {
      report(await runAt(count, false), targetSeconds(count));
    } catch (err) {
      console.log(`at ${SCALE_UP_FACTOR}x                  FAILED: ${(err as Error).message}`);
    }
  }
  await partitionCheck();
}

function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function mib(bytes: number): string {
  return fmt(bytes / 1024 ** 2);
}

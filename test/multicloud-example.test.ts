// The multi-cloud example organisation end to end: the bill totals are computed here from the
// export files themselves, with exact decimals, and the report must agree with them to the last
// digit; each cloud's AI spend must land where its evidence says, at the confidence it earns.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { Money, Store, type Report, type ReportRow } from '../attribution/index.js';
import { attributeFolder, type AttributeRun } from '../cli/attribute-command.js';

const EXAMPLE = 'examples/multicloud';
const DATA = path.join(EXAMPLE, 'data');
const CUR_FILE = `${DATA}/aws/lumen-cur/data/BILLING_PERIOD=2026-11/lumen-cur-00001.csv`;
const GCP_DIR = `${DATA}/gcp`;
const AZURE_EXPORTS = `${DATA}/azure/cost-exports`;
const AZURE_LOGS = `${DATA}/azure/insights-logs-requestresponse`;

const REPLY_ASSISTANT_CLIENT = '3f8a2c6e-1b4d-4e9a-8c7f-5d2e1a0b9c84';
const TICKET_TRIAGE_CLIENT = '9b1e7d3a-6c2f-4a8e-b5d4-2c7a9e1f3b60';
const NINA = 'nina.brandt@lumen.example';
const UPN_CLAIM = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';

// Each run syncs three clouds' files into an embedded PostgreSQL and attributes them.
const RUN_TIMEOUT_MS = 300_000;

type Csv = Record<string, string>[];

const sum = <T>(items: readonly T[], amount: (item: T) => string | Money) =>
  items.reduce<Money>((total, item) => total.plus(amount(item)), new Money(0));

/** The three bills, as a user would total them from the files with a spreadsheet. */
interface Bills {
  cur: Csv;
  gcp: GcpRecord[];
  azureActual: Csv;
  azureAmortized: Csv;
}

interface GcpRecord {
  service: { description: string };
  project: { id: string };
  cost: number;
  labels: { key: string; value: string }[];
  credits: { amount: number; type: string }[];
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function readCsv(file: string): Promise<Csv> {
  return parse(await readFile(file, 'utf8'), { columns: true, bom: true }) as Csv;
}

async function readAzureExport(name: string): Promise<Csv> {
  const parts = (await filesUnder(`${AZURE_EXPORTS}/${name}`)).filter((f) => f.endsWith('.csv'));
  return (await Promise.all(parts.map(readCsv))).flat();
}

async function readBills(): Promise<Bills> {
  const gcpFiles = await filesUnder(GCP_DIR);
  const gcpLines = (await Promise.all(gcpFiles.map((f) => readFile(f, 'utf8'))))
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.trim() !== '');
  return {
    cur: await readCsv(CUR_FILE),
    // A JSON number's shortest text is the decimal BigQuery wrote.
    gcp: gcpLines.map((line) => JSON.parse(line) as GcpRecord),
    azureActual: await readAzureExport('lumen-openai-actual'),
    azureAmortized: await readAzureExport('lumen-openai-amortized'),
  };
}

const isBedrock = (r: Record<string, string>) => r.line_item_product_code === 'AmazonBedrock';
const isVertex = (r: GcpRecord) => r.service.description === 'Vertex AI';
// Azure OpenAI's token meters and its Provisioned Throughput reservations.
const isAzureOpenAi = (r: Record<string, string>) => /^Azure OpenAI\b/.test(r.ProductName!);
const curCost = (r: Record<string, string>) => r.line_item_unblended_cost!;
const gcpNet = (r: GcpRecord) => sum([r.cost, ...r.credits.map((c) => c.amount)], (n) => String(n));
const azureCost = (r: Record<string, string>) => r.CostInBillingCurrency!;
const isAzureUsage = (r: Record<string, string>) => isAzureOpenAi(r) && r.ChargeType === 'Usage';

function aiBills(bills: Bills) {
  return {
    aws: sum(bills.cur.filter(isBedrock), curCost),
    gcp: sum(bills.gcp.filter(isVertex), gcpNet),
    azure: sum(bills.azureActual.filter(isAzureOpenAi), azureCost),
  };
}

/** One Azure OpenAI call's tokens by meter, from its AzureOpenAIRequestUsage log record. */
interface LoggedCall {
  caller: string | null;
  input: number;
  cached: number;
  output: number;
}

async function loggedAzureCalls(): Promise<LoggedCall[]> {
  const calls: LoggedCall[] = [];
  for (const file of await filesUnder(AZURE_LOGS)) {
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      const record = JSON.parse(line) as {
        category: string;
        properties: Record<string, number[]>;
        identity?: { claims: Record<string, string> };
      };
      if (record.category !== 'AzureOpenAIRequestUsage') continue;
      const claims = record.identity?.claims ?? {};
      const prompt = record.properties.promptTokens![0]!;
      const cached = record.properties.cachedTokens?.[0] ?? 0;
      calls.push({
        caller: claims[UPN_CLAIM] ?? claims.appid ?? null,
        input: prompt - cached,
        cached,
        output: record.properties.generatedTokens![0]!,
      });
    }
  }
  return calls;
}

/** What the calls cost at the export's own prices per 1K tokens of each meter. */
function azureCostOf(calls: LoggedCall[], bills: Bills): Money {
  const priceOf = (pattern: RegExp) => {
    const prices = new Set(
      bills.azureActual.filter((r) => pattern.test(r.MeterName!)).map((r) => r.EffectivePrice!),
    );
    expect(prices.size).toBe(1);
    return new Money([...prices][0]!).dividedBy(1000);
  };
  const [input, cached, output] = [priceOf(/ Input /), priceOf(/cached/), priceOf(/ Output /)];
  return sum(calls, (c) =>
    input.times(c.input).plus(cached.times(c.cached)).plus(output.times(c.output)),
  );
}

async function runOn(options: Parameters<typeof attributeFolder>[2] = {}) {
  const store = await Store.open(undefined);
  try {
    const first = await attributeFolder(EXAMPLE, store, options);
    // A second sync of the same deliveries, as the next scheduled run would make.
    const again = await attributeFolder(EXAMPLE, store, options);
    return { first, again };
  } finally {
    await store.close();
  }
}

async function argminJson(...args: string[]) {
  const tsx = path.resolve('node_modules/.bin/tsx');
  const env = { ...process.env, DATABASE_URL: '' };
  try {
    const { stdout } = await promisify(execFile)(
      tsx,
      [path.resolve('cli/main.ts'), 'attribute', EXAMPLE, '--format', 'json', ...args],
      { env, maxBuffer: 1 << 26 },
    );
    return { code: 0, report: JSON.parse(stdout) as Report };
  } catch (err) {
    return { code: (err as { code: number }).code, report: null };
  }
}

const rowsWhere = (report: Report, match: (r: ReportRow) => boolean) => report.rows.filter(match);
const total = (rows: readonly ReportRow[]) => sum(rows, (r) => r.cost);
const decimals = (text: string) => text.split('.')[1]?.length ?? 0;

describe('argmin attribute on the multi-cloud example', () => {
  let bills: Bills;
  let billed: { first: AttributeRun; again: AttributeRun };
  let effective: { first: AttributeRun; again: AttributeRun };
  let cli: Awaited<ReturnType<typeof argminJson>>;
  let cliEffective: Awaited<ReturnType<typeof argminJson>>;
  let report: Report;

  beforeAll(async () => {
    bills = await readBills();
    [billed, effective, cli, cliEffective] = await Promise.all([
      runOn(),
      runOn({ costView: 'effective' }),
      argminJson(),
      argminJson('--cost', 'effective'),
    ]);
    report = billed.first.result.report;
  }, RUN_TIMEOUT_MS);

  it('reports without quarantining anything, and exits 0 as a process', () => {
    expect(billed.first.quarantined).toEqual([]);
    expect(effective.first.quarantined).toEqual([]);
    expect(cli.code).toBe(0);
    expect(cli.report!.quarantined).toEqual([]);
    expect(cli.report!.totals).toEqual(report.totals);
  });

  it('bills the sum of the three clouds’ AI spend, to the last digit', () => {
    const { aws, gcp, azure } = aiBills(bills);
    expect(report.currency).toBe('USD');
    expect(report.period).toEqual({ start: '2026-11-01T00:00:00Z', end: '2026-12-01T00:00:00Z' });
    expect(report.totals.billed).toBe(aws.plus(gcp).plus(azure).toFixed());
    const byProvider = (p: string) => total(rowsWhere(report, (r) => r.provider === p)).toFixed();
    expect(byProvider('aws')).toBe(aws.toFixed());
    expect(byProvider('gcp')).toBe(gcp.toFixed());
    expect(byProvider('azure')).toBe(azure.toFixed());
    expect(aws.toFixed(2)).toBe('71.63');
    expect(gcp.toFixed(2)).toBe('105.55');
    expect(azure.toFixed(2)).toBe('142.95');
  });

  it('leaves the storage lines of each cloud out of scope, and counts them', () => {
    const notAi = sum(
      bills.cur.filter((r) => !isBedrock(r)),
      curCost,
    )
      .plus(
        sum(
          bills.gcp.filter((r) => !isVertex(r)),
          gcpNet,
        ),
      )
      .plus(
        sum(
          bills.azureActual.filter((r) => !isAzureOpenAi(r)),
          azureCost,
        ),
      );
    expect(report.outOfScope.cost).toBe(notAi.toFixed());
  });

  it('splits the bill into attributed and unattributed with nothing left over', () => {
    const { totals } = report;
    expect(new Money(totals.attributed).plus(totals.unattributed).toFixed()).toBe(totals.billed);
    expect(total(report.rows).toFixed()).toBe(totals.billed);
    const unattributed = rowsWhere(report, (r) => r.costCenter === null);
    expect(total(unattributed).toFixed()).toBe(totals.unattributed);
  });

  it('keeps credits signed beside gross usage, for each cloud', () => {
    const credits = sum(
      bills.cur.filter((r) => isBedrock(r) && r.line_item_line_item_type === 'Credit'),
      curCost,
    ).plus(
      sum(
        bills.gcp.filter(isVertex).flatMap((r) => r.credits),
        (c) => String(c.amount),
      ),
    );
    const grossUsage = sum(
      bills.cur.filter((r) => isBedrock(r) && r.line_item_line_item_type === 'Usage'),
      curCost,
    )
      .plus(sum(bills.gcp.filter(isVertex), (r) => String(r.cost)))
      .plus(sum(bills.azureActual.filter(isAzureUsage), azureCost));
    const purchases = bills.azureActual.filter(
      (r) => r.ChargeType === 'Purchase' && r.PricingModel === 'Reservation',
    );
    expect(credits.isNegative()).toBe(true);
    expect(report.totals.byChargeCategory.Purchase).toBe(sum(purchases, azureCost).toFixed());
    expect(report.totals.byChargeCategory.Credit).toBe(credits.toFixed());
    expect(report.totals.byChargeCategory.Usage).toBe(grossUsage.toFixed());
    const creditRows = rowsWhere(report, (r) => r.chargeCategory === 'Credit');
    expect(creditRows.every((r) => new Money(r.cost).isNegative())).toBe(true);
    expect(new Set(creditRows.map((r) => r.provider))).toEqual(new Set(['aws', 'gcp']));
  });

  it('keeps the research project’s 10.00 of Gemini and its -2 and -3 credits visible, netting to 5', () => {
    const research = bills.gcp.filter((r) => r.project.id === 'lumen-research' && r.cost === 10);
    expect(research).toHaveLength(1);
    expect(research[0]!.credits.map((c) => c.amount)).toEqual([-2, -3]);
    expect(gcpNet(research[0]!).toFixed()).toBe('5');
    const viaAccount = rowsWhere(
      report,
      (r) => r.provider === 'gcp' && r.evidence.some((e) => /^account lumen-research/.test(e)),
    );
    const creditsOf = (pattern: RegExp) =>
      total(
        viaAccount.filter((r) => r.chargeCategory === 'Credit' && pattern.test(r.evidence[0]!)),
      ).toFixed();
    expect(creditsOf(/^PROMOTION/)).toBe('-2');
    expect(creditsOf(/^FREE_TIER/)).toBe('-3');
  });

  describe('Amazon Bedrock, from CUR 2.0 lines that name their IAM principal', () => {
    const usageOf = (principal: RegExp) =>
      sum(
        bills.cur.filter((r) => isBedrock(r) && principal.test(r.line_item_iam_principal!)),
        curCost,
      ).toFixed();

    it('gives eta-predictor’s lines to routing through its IRSA role, at 0.81', () => {
      const rows = rowsWhere(report, (r) => r.service === 'routing/eta-predictor');
      expect(rows.every((r) => r.provider === 'aws' && r.costCenter === 'routing')).toBe(true);
      expect(new Set(rows.map((r) => r.confidence))).toEqual(new Set([0.81]));
      const usage = rows.filter((r) => r.chargeCategory === 'Usage');
      expect(total(usage).toFixed()).toBe(usageOf(/assumed-role\/eta-predictor\//));
      expect(usage[0]!.evidence).toEqual([
        'bill line names its caller',
        'IRSA: caller assumed arn:aws:iam::444455556666:role/eks/eta-predictor, serviceaccount routing/eta-predictor [0.9]',
        expect.stringMatching(/^CostCenter routing selects Deployment routing\/eta-predictor \(/),
      ]);
    });

    it('gives Maria’s playground lines to data through her Identity Center session and SCIM, at 0.665', () => {
      const rows = rowsWhere(report, (r) => r.person === 'maria.garcia@lumen.example');
      expect(rows.every((r) => r.costCenter === 'data' && r.confidence === 0.665)).toBe(true);
      const usage = rows.filter((r) => r.chargeCategory === 'Usage');
      expect(total(usage).toFixed()).toBe(usageOf(/maria\.garcia@lumen\.example$/));
      expect(usage[0]!.evidence).toEqual([
        'bill line names its caller',
        expect.stringMatching(/^role session maria\.garcia@lumen\.example in .* \[0\.95\]$/),
        expect.stringMatching(
          /^SCIM costCenter CC-2300 of maria\.garcia@lumen\.example .* \[0\.7\]$/,
        ),
      ]);
    });

    it('leaves nightly-reports unattributed: nothing in the cluster names its role', () => {
      const rows = rowsWhere(
        report,
        (r) =>
          r.provider === 'aws' &&
          r.chargeCategory === 'Usage' &&
          r.evidence[0] === 'bill line names a caller nothing identifies',
      );
      expect(rows.every((r) => r.costCenter === null && r.confidence === 0)).toBe(true);
      expect(total(rows).toFixed()).toBe(usageOf(/assumed-role\/nightly-reports\//));
    });

    it('spreads the -10 credit and the tax over the account’s usage, signs kept', () => {
      const aws = rowsWhere(report, (r) => r.provider === 'aws');
      const of = (category: string) =>
        total(aws.filter((r) => r.chargeCategory === category)).toFixed();
      expect(of('Credit')).toBe('-10');
      expect(of('Tax')).toBe('4.05');
      const etaCredit = aws.filter(
        (r) => r.service === 'routing/eta-predictor' && r.chargeCategory === 'Credit',
      );
      expect(total(etaCredit).isNegative()).toBe(true);
    });
  });

  describe('Vertex AI, from the Cloud Billing export', () => {
    it('gives the lines labelled argmin-caller=doc-extractor to data: GKE Workload Identity, then CODEOWNERS, at 0.72', () => {
      const labelled = bills.gcp.filter((r) =>
        r.labels.some((l) => l.key === 'argmin-caller' && l.value === 'doc-extractor'),
      );
      const rows = rowsWhere(report, (r) => r.service === 'data/doc-extractor');
      expect(rows.every((r) => r.provider === 'gcp' && r.costCenter === 'data')).toBe(true);
      expect(new Set(rows.map((r) => r.confidence))).toEqual(new Set([0.72]));
      const usage = rows.filter((r) => r.chargeCategory === 'Usage');
      expect(total(usage).toFixed()).toBe(sum(labelled, (r) => String(r.cost)).toFixed());
      expect(usage[0]!.evidence).toEqual([
        'bill line names its caller',
        'caller doc-extractor is the account id of GKE workload identity doc-extractor@lumen-ml-prod.iam.gserviceaccount.com, serviceaccount data/doc-extractor [0.9]',
        expect.stringMatching(
          /^github\.com\/lumen\/doc-pipeline CODEOWNERS \S+:4 '\*' -> @lumen\/data, an owner of CostCenter data \[0\.8\]$/,
        ),
      ]);
      // Its share of the production promotion follows it, negative.
      const credit = total(rows.filter((r) => r.chargeCategory === 'Credit'));
      expect(credit.isNegative()).toBe(true);
    });

    it('gives the research project to data as the account’s owner, at 0.5', () => {
      const research = bills.gcp.filter((r) => isVertex(r) && r.project.id === 'lumen-research');
      const rows = rowsWhere(report, (r) =>
        r.evidence.some((e) => e.startsWith('account lumen-research is listed by CostCenter data')),
      );
      expect(rows.every((r) => r.costCenter === 'data' && r.confidence === 0.5)).toBe(true);
      expect(total(rows).toFixed()).toBe(sum(research, gcpNet).toFixed());
    });

    it('leaves Vertex AI Studio prompts in production, which carry no label, unattributed', () => {
      const unlabelled = bills.gcp.filter(
        (r) => isVertex(r) && r.project.id === 'lumen-ml-prod' && r.labels.length === 0,
      );
      const rows = rowsWhere(
        report,
        (r) => r.provider === 'gcp' && r.costCenter === null && r.chargeCategory === 'Usage',
      );
      expect(rows.every((r) => r.evidence[0] === 'bill line has no matching requests')).toBe(true);
      expect(total(rows).toFixed()).toBe(sum(unlabelled, (r) => String(r.cost)).toFixed());
    });
  });

  describe('Azure OpenAI, from the cost export and the diagnostic logs', () => {
    let calls: LoggedCall[];
    beforeAll(async () => {
      calls = await loggedAzureCalls();
    });
    const costOf = (caller: string | null) =>
      azureCostOf(
        calls.filter((c) => c.caller === caller),
        bills,
      );
    /**
     * A line is split by largest remainder at its own precision or at 6 decimals, whichever is
     * finer, so a caller's share of it can be off its exact token share by less than one unit of
     * that last digit: over the month, less than the sum of those units.
     */
    const expectShare = (rows: ReportRow[], exact: Money) => {
      const lines = bills.azureActual.filter(isAzureOpenAi);
      const bound = sum(lines, (l) => new Money(10).pow(-Math.max(decimals(azureCost(l)), 6)));
      expect(total(rows).minus(exact).abs().lessThan(bound)).toBe(true);
    };

    it.each([
      [
        'care/reply-assistant',
        REPLY_ASSISTANT_CLIENT,
        0.855,
        /^argmin\.io\/cost-center=customer-care on Deployment care\/reply-assistant \(.*\) \[0\.95\]$/,
      ],
      [
        'care/ticket-triage',
        TICKET_TRIAGE_CLIENT,
        0.81,
        /^argmin\.io\/cost-center=customer-care on Namespace care \(.*\) \[0\.9\]$/,
      ],
    ])(
      'gives %s its calls’ share of the daily lines through Azure Workload Identity',
      (service, clientId, confidence, costCenterEvidence) => {
        const rows = rowsWhere(report, (r) => r.service === service);
        expect(rows.every((r) => r.provider === 'azure' && r.costCenter === 'customer-care')).toBe(
          true,
        );
        expect(new Set(rows.map((r) => r.confidence))).toEqual(new Set([confidence]));
        // The reservation's purchase follows the subscription's usage; the token lines are the calls'.
        const usage = rows.filter((r) => r.chargeCategory === 'Usage');
        expectShare(usage, costOf(clientId));
        expect(usage[0]!.evidence).toEqual([
          'bill line distributed over its requests by tokens of its class',
          `Azure workload identity client ${clientId}, serviceaccount ${service} [0.9]`,
          expect.stringMatching(costCenterEvidence),
        ]);
      },
    );

    it('gives Nina’s signed-in playground calls to customer care through SCIM, at 0.7', () => {
      const rows = rowsWhere(report, (r) => r.provider === 'azure' && r.person === NINA);
      expect(rows.every((r) => r.costCenter === 'customer-care' && r.confidence === 0.7)).toBe(
        true,
      );
      expectShare(
        rows.filter((r) => r.chargeCategory === 'Usage'),
        costOf(NINA),
      );
    });

    it('leaves API-key calls and the days before logging began unattributed', () => {
      const rows = rowsWhere(report, (r) => r.provider === 'azure' && r.costCenter === null);
      const apiKey = rows.filter((r) => /their caller has no CostCenter$/.test(r.evidence[0]!));
      expectShare(apiKey, costOf(null));
      const logged = azureCostOf(calls, bills);
      const azure = sum(bills.azureActual.filter(isAzureUsage), azureCost);
      const unlogged = rows.filter((r) => r.evidence[0] === 'bill line has no matching requests');
      expect(total(unlogged).toFixed()).toBe(azure.minus(logged).toFixed());
      expect(total(unlogged).isPositive()).toBe(true);
    });
  });

  it('puts a confidence in [0, 0.95] on every row, and 0 exactly on the unattributed', () => {
    for (const row of report.rows) {
      expect(row.confidence).toBeGreaterThanOrEqual(0);
      expect(row.confidence).toBeLessThanOrEqual(0.95);
      if (row.costCenter === null) expect(row.confidence).toBe(0);
    }
  });

  it('reconciles the effective view to its own total: the reservation at its November share', () => {
    const view = effective.first.result.report;
    expect(view.costView).toBe('effective');
    const { aws, gcp } = aiBills(bills);
    const azure = sum(bills.azureAmortized.filter(isAzureOpenAi), azureCost);
    expect(view.totals.billed).toBe(aws.plus(gcp).plus(azure).toFixed());
    expect(new Money(view.totals.attributed).plus(view.totals.unattributed).toFixed()).toBe(
      view.totals.billed,
    );
    expect(total(view.rows).toFixed()).toBe(view.totals.billed);
    // The upfront purchase counts nothing here; its daily share, unused all month, counts instead.
    const unused = bills.azureAmortized.filter((r) => r.ChargeType === 'UnusedReservation');
    expect(sum(unused, azureCost).toFixed()).toBe('9');
    expect(view.totals.byChargeCategory.Purchase).toBeUndefined();
    const spread = rowsWhere(view, (r) => /^UnusedReservation line /.test(r.evidence[0]!));
    expect(total(spread).toFixed()).toBe('9');
    expect(new Money(report.totals.billed).minus(view.totals.billed).toFixed()).toBe('100.5');

    expect(cliEffective.code).toBe(0);
    expect(cliEffective.report!.costView).toBe('effective');
    expect(cliEffective.report!.totals).toEqual(view.totals);
  });

  it('syncs the same month twice without counting any of it twice', () => {
    expect(billed.again.result.report.totals).toEqual(report.totals);
    expect(billed.again.result.report.rows).toEqual(report.rows);
    expect(effective.again.result.report.totals).toEqual(effective.first.result.report.totals);
  });
});

// Keeps each attribution run and its allocations, so a figure can be explained after the fact.
import { confidenceNumber, pathConfidence } from '../evidence.js';
import { moneyText } from '../money.js';
import type { Allocation } from '../reconcile.js';
import type { Report } from '../report.js';
import { pathKey } from '../explain-paths.js';
import type { Sql } from './sql.js';

const BATCH_ROWS = 2_000;

export async function saveRun(
  sql: Sql,
  report: Report,
  allocations: Allocation[],
): Promise<number> {
  return sql.transaction(async (tx) => {
    const [run] = await tx.query<{ id: string | number }>(
      `INSERT INTO attribution_runs (period_start, period_end, currency, billed, attributed,
                                     unattributed, cost_view)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        report.period.start,
        report.period.end,
        report.currency,
        report.totals.billed,
        report.totals.attributed,
        report.totals.unattributed,
        report.costView,
      ],
    );
    const runId = Number(run!.id);
    for (let i = 0; i < allocations.length; i += BATCH_ROWS) {
      const batch = allocations.slice(i, i + BATCH_ROWS).map((a) => ({
        connector: a.row.source.connector,
        costRowId: a.row.id,
        costCenter: a.attribution.costCenter,
        service: a.attribution.service,
        team: a.attribution.team,
        person: a.attribution.person,
        provider: a.row.provider,
        model: a.model,
        chargeCategory: a.row.chargeCategory,
        cost: moneyText(a.cost),
        confidence: a.attribution.costCenter
          ? confidenceNumber(pathConfidence(a.attribution.edges))
          : 0,
        evidence: a.attribution.edges.map((e) => ({
          evidence: e.evidence,
          confidence: confidenceNumber(e.confidence),
          ...(e.validFrom ? { validFrom: e.validFrom } : {}),
          ...(e.validUntil ? { validUntil: e.validUntil } : {}),
        })),
        account: a.row.subAccountId,
        chargeStart: a.row.chargePeriodStart,
        chargeEnd: a.row.chargePeriodEnd,
        sourceFile: a.row.source.file,
        requests: a.requests,
        callerKey: a.callerKey === undefined ? null : pathKey(a.callerKey),
        weight: a.weight === undefined ? null : moneyText(a.weight),
      }));
      await tx.query(
        `INSERT INTO allocations (run_id, connector, cost_row_id, cost_center, service, team, person,
                                  provider, model, charge_category, cost, confidence, evidence,
                                  account, charge_period_start, charge_period_end, source_file,
                                  requests, caller_key, weight)
         SELECT $1, a.connector, a."costRowId", a."costCenter", a.service, a.team, a.person,
                a.provider, a.model, a."chargeCategory", a.cost, a.confidence, a.evidence,
                a.account, a."chargeStart", a."chargeEnd", a."sourceFile", a.requests,
                a."callerKey", a.weight
           FROM jsonb_to_recordset($2::jsonb) AS a(
                connector text, "costRowId" text, "costCenter" text, service text, team text,
                person text, provider text, model text, "chargeCategory" text, cost numeric,
                confidence numeric, evidence jsonb, account text, "chargeStart" timestamptz,
                "chargeEnd" timestamptz, "sourceFile" text, requests int, "callerKey" text,
                weight numeric)`,
        [runId, JSON.stringify(batch)],
      );
    }
    return runId;
  });
}

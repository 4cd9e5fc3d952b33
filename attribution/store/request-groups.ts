// The requests of a period, summed in the store into the groups reconciliation works on: one row
// per caller, model, account, region, shared service and interval between boundaries, however many
// requests the period holds.
import { assignDefined, type CallerIdentity, type Provider, type TokenClass } from '../model.js';
import { VIA_ATTRIBUTE, type RequestGroup } from '../requests.js';
import type { Sql } from './sql.js';

const TOKEN_COLUMNS: Record<TokenClass, string> = {
  inputTokens: 'input_tokens',
  cacheReadTokens: 'cache_read_tokens',
  cacheWriteTokens: 'cache_write_tokens',
  outputTokens: 'output_tokens',
};

const IDENTITY_COLUMNS: Record<keyof CallerIdentity, string> = {
  serviceAccount: 'caller_service_account',
  spiffeId: 'caller_spiffe_id',
  apiKeyId: 'caller_api_key_id',
  user: 'caller_user',
  awsPrincipal: 'caller_aws_principal',
  gcpPrincipal: 'caller_gcp_principal',
  azurePrincipal: 'caller_azure_principal',
};

const ANY_TOKENS = Object.values(TOKEN_COLUMNS)
  .map((c) => `coalesce(${c}, 0)::bigint`)
  .join(' + ');

const GROUP_COLUMNS = [
  'provider',
  'model',
  'account',
  'region',
  'service',
  ...Object.values(IDENTITY_COLUMNS),
  'via',
  'bucket',
  'priced',
  'usage_known',
];

/**
 * The requests in [start, end) that name a model or went through a shared service, grouped, in the
 * order of their earliest request. `boundaries` are ISO 8601 moments, ascending; no group spans one.
 */
export async function requestGroups(
  sql: Sql,
  start: string,
  end: string,
  boundaries: string[],
): Promise<RequestGroup[]> {
  // Read a page at a time through a cursor: only one page of raw rows is held beside the groups.
  return sql.transaction(async (tx) => {
    await tx.query(`DECLARE request_groups NO SCROLL CURSOR FOR ${REQUEST_GROUPS_SQL}`, [
      start,
      end,
      boundaries,
    ]);
    const groups: RequestGroup[] = [];
    for (;;) {
      const page = await tx.query<Record<string, unknown>>(
        `FETCH ${PAGE_ROWS} FROM request_groups`,
      );
      for (const row of page) groups.push(groupOfRow(row));
      if (page.length < PAGE_ROWS) break;
    }
    await tx.query('CLOSE request_groups');
    return groups;
  });
}

const PAGE_ROWS = 10_000;

const SUMS = Object.values(TOKEN_COLUMNS)
  .map((c) => `sum(${c})::text AS sum_${c}, count(*) FILTER (WHERE ${c} > 0) AS n_${c}`)
  .join(',\n            ');

/** The query that sums a period's requests: $1 and $2 its bounds, $3 the boundaries. */
export const REQUEST_GROUPS_SQL = `WITH requests AS (
       SELECT *, attributes->>'${VIA_ATTRIBUTE}' AS via,
              -- Timestamps are compared to the second, as the store hands them out.
              width_bucket(date_trunc('second', ts), $3::timestamptz[]) AS bucket,
              cost IS NOT NULL AS priced,
              input_tokens IS NOT NULL AND output_tokens IS NOT NULL AS usage_known
         FROM usage_events
        WHERE ts >= $1 AND ts < $2
          AND (model IS NOT NULL OR attributes ? '${VIA_ATTRIBUTE}'))
     SELECT ${GROUP_COLUMNS.join(', ')},
            to_char(min(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS first_ts,
            count(*) AS requests,
            ${SUMS},
            count(*) FILTER (WHERE ${ANY_TOKENS} > 0) AS with_any_tokens,
            sum(cost)::text AS cost,
            count(*) FILTER (WHERE cost > 0) AS with_cost
       FROM requests
      GROUP BY ${GROUP_COLUMNS.join(', ')}
      ORDER BY min(ts), min(request_id)`;

function groupOfRow(r: Record<string, unknown>): RequestGroup {
  const text = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
  const tokens = {} as Record<TokenClass, number>;
  const requestsWithTokens = {} as Record<TokenClass, number>;
  for (const [tokenClass, column] of Object.entries(TOKEN_COLUMNS) as [TokenClass, string][]) {
    tokens[tokenClass] = Number(r[`sum_${column}`] ?? 0);
    requestsWithTokens[tokenClass] = Number(r[`n_${column}`]);
  }
  const group: RequestGroup = {
    timestamp: String(r.first_ts),
    provider: r.provider as Provider,
    model: text(r.model) ?? null,
    requests: Number(r.requests),
    tokens,
    requestsWithTokens,
    requestsWithAnyTokens: Number(r.with_any_tokens),
    requestsWithCost: Number(r.with_cost),
    usageKnown: Boolean(r.usage_known),
  };
  const identity = Object.fromEntries(
    Object.entries(IDENTITY_COLUMNS)
      .map(([field, column]) => [field, text(r[column])])
      .filter(([, v]) => v !== undefined),
  ) as CallerIdentity;
  const optional = {
    identity: Object.keys(identity).length > 0 ? identity : undefined,
    service: text(r.service),
    account: text(r.account),
    region: text(r.region),
    via: text(r.via),
    cost: r.priced ? text(r.cost) : undefined,
  };
  assignDefined(group, optional);
  return group;
}

// A faithful double of the BigQuery REST API for exactly the calls Argmin makes: tables.get
// (`GET /bigquery/v2/projects/<p>/datasets/<d>/tables/<t>`, for the schema) and tabledata.list
// (`GET .../tables/<t>/data`, rows in the API's `{f: [{v}]}` shape, paged with page tokens).
// Everything else, jobs.insert and every write included, is refused and fails the suite.
import type { TableField } from '../../connectors/source-bigquery.js';
import { startReadOnlyDouble, type ReadOnlyDouble } from './read-only-double.js';

/** Rows a tabledata.list page holds here: small, so every read crosses pages. */
export const BIGQUERY_PAGE_ROWS = 2;

const JSON_TYPE = { 'content-type': 'application/json; charset=UTF-8' };

export interface DoubleTable {
  project: string;
  dataset: string;
  table: string;
  schema: TableField[];
  /** Rows as the API sends them: `{f: [{v}]}`, values as strings. */
  rows: { f: { v: unknown }[] }[];
}

export function startBigQueryDouble(tables: DoubleTable[]): Promise<ReadOnlyDouble> {
  return startReadOnlyDouble((_request, url) => {
    const match =
      /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)(\/data)?$/.exec(
        url.pathname,
      );
    if (!match) return undefined;
    const [, project, dataset, name, data] = match.map((part) => part && decodeURIComponent(part));
    const table = tables.find(
      (t) => t.project === project && t.dataset === dataset && t.table === name,
    );
    if (!table) {
      const message = `Not found: Table ${project}:${dataset}.${name}`;
      const error = {
        code: 404,
        message,
        status: 'NOT_FOUND',
        errors: [{ reason: 'notFound', message }],
      };
      return { status: 404, headers: JSON_TYPE, body: JSON.stringify({ error }) };
    }

    if (!data) {
      const resource = {
        kind: 'bigquery#table',
        id: `${project}:${dataset}.${name}`,
        tableReference: { projectId: project, datasetId: dataset, tableId: name },
        schema: { fields: table.schema },
        numRows: String(table.rows.length),
        type: 'TABLE',
      };
      return { status: 200, headers: JSON_TYPE, body: JSON.stringify(resource) };
    }
    const from = Number(url.searchParams.get('pageToken') ?? '0');
    const size = Math.min(Number(url.searchParams.get('maxResults') ?? '100'), BIGQUERY_PAGE_ROWS);
    const rows = table.rows.slice(from, from + size);
    const next = from + size < table.rows.length ? String(from + size) : undefined;
    const body = {
      kind: 'bigquery#tableDataList',
      totalRows: String(table.rows.length),
      ...(rows.length > 0 ? { rows } : {}),
      ...(next ? { pageToken: next } : {}),
    };
    return { status: 200, headers: JSON_TYPE, body: JSON.stringify(body) };
  });
}

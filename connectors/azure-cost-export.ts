// Azure Cost Management exports of cost details, actual or amortized, with the Enterprise
// Agreement or the Microsoft Customer Agreement columns, as CSV, gzip or not. Azure's FOCUS export
// is a FOCUS file and is read by the focus-1.0 format. The export's `manifest.json` is read for
// what it says about the parts beside it and yields no rows of its own.
import type { SourceRecord } from '../attribution/index.js';
import { azureColumns, type AzureColumns } from './azure-cost-columns.js';
import { toAzureCostRow } from './azure-cost-row.js';
import { AMORTIZED_ONLY_CHARGES, datasetOf, type DatasetFinding } from './azure-cost-view.js';
import { deliveryOf, exportLayout, MANIFEST_NAME } from './azure-export-layout.js';
import { readCsvRecords } from './csv-records.js';
import {
  quarantine,
  sourceRef,
  type FormatReader,
  type ReadContext,
  type SourceFile,
} from './format-reader.js';
import { SourceError } from './source-error.js';

const PARQUET_MAGIC = 'PAR1';

export const azureCostExportReader: FormatReader = {
  format: 'azure-cost-export',
  role: 'billing',
  read: readCostExport,
  // Overlapping exports and daily month-to-date re-runs each deliver whole periods again: the
  // latest run covering a period replaces the others.
  deliveryOf: (file) => deliveryOf(file.path),
};

async function* readCostExport(file: SourceFile, ctx: ReadContext): AsyncIterable<SourceRecord> {
  if (exportLayout(file.path).fileName.toLowerCase() === MANIFEST_NAME) return;
  refuseParquet(file, /\.parquet$/i.test(file.path));

  let columns: AzureColumns | undefined;
  let finding: DatasetFinding | undefined;

  for await (const record of readCsvRecords(file.path)) {
    if (columns === undefined || finding === undefined) {
      if (record.fields === null) {
        throw new SourceError('SOURCE_FORMAT_INVALID', 'the header is not readable CSV', {
          file: file.path,
          line: record.line,
        });
      }
      refuseParquet(file, record.fields[0]?.startsWith(PARQUET_MAGIC) ?? false);
      columns = azureColumns(record.fields, file);
      finding = await datasetOf(file, columns);
      continue;
    }

    if (record.fields === null) {
      yield quarantine(file, ctx, record.line, null, record.reason);
      continue;
    }
    if (record.fields.length !== columns.width) {
      const reason = `the row has ${record.fields.length} fields; the header has ${columns.width}`;
      yield quarantine(file, ctx, record.line, null, reason);
      continue;
    }
    const charge = columns.value(record.fields, 'chargeType').replace(/\s+/g, '').toLowerCase();
    if (finding.dataset === 'actual' && AMORTIZED_ONLY_CHARGES.has(charge)) {
      // Reading on would put amortized cost on the invoice side.
      throw new SourceError(
        'SOURCE_FORMAT_INVALID',
        `this row's charge type appears only in amortized cost data, but ${finding.because} ` +
          'says the file is the actual-cost export',
        { file: file.path, line: record.line, field: columns.nameOf('chargeType') },
      );
    }

    const result = toAzureCostRow(record.fields, {
      columns,
      dataset: finding.dataset,
      id: `${file.name}:${record.line}`,
      source: sourceRef(file, ctx, record.line),
    });
    yield result.ok
      ? { kind: 'cost', row: result.row }
      : quarantine(file, ctx, record.line, result.field, result.reason);
  }

  if (columns === undefined) {
    throw new SourceError(
      'SOURCE_FORMAT_INVALID',
      'the file is empty; expected an Azure cost details header',
      { file: file.path, line: 1 },
    );
  }
}

/** Parquet exports are a binary format this reader does not parse; said so, not misread as CSV. */
function refuseParquet(file: SourceFile, parquet: boolean): void {
  if (parquet) {
    throw new SourceError(
      'SOURCE_FORMAT_INVALID',
      'Parquet cost exports are not read yet; export the dataset as CSV (gzip or not)',
      { file: file.path },
    );
  }
}

// AWS CUR 2.0 (Data Exports, table COST_AND_USAGE_REPORT) as CSV, gzip or not, or as Parquet, whose
// map columns arrive as objects and are read as the JSON text the CSV form carries.
import type { SourceRecord } from '../attribution/index.js';
import { OPTIONAL_COLUMNS, REQUIRED_COLUMNS, toCostRow, type CurColumn } from './aws-cur-2-row.js';
import { dataExportDelivery, isExportArtifact } from './aws-export-layout.js';
import { cellText, exportRows } from './aws-export-table.js';
import {
  quarantine,
  sourceRef,
  type FormatReader,
  type ReadContext,
  type SourceFile,
} from './format-reader.js';
import { SourceError } from './source-error.js';

export const awsCur2Reader: FormatReader = {
  format: 'aws-cur-2.0',
  role: 'billing',
  read: readCur2,
  deliveryOf: dataExportDelivery,
};

async function* readCur2(file: SourceFile, ctx: ReadContext): AsyncIterable<SourceRecord> {
  if (isExportArtifact(file)) return;

  for await (const record of exportRows(file, ctx, columnIndex, 'a CUR 2.0 header')) {
    if (record.kind !== 'row') {
      yield record;
      continue;
    }
    const { cells, columns, line } = record;
    const value = (column: CurColumn): string => {
      const at = columns.positions.get(column);
      return at === undefined ? '' : cellText(cells[at]);
    };
    const result = toCostRow(value, sourceRef(file, ctx, line));
    yield result.ok
      ? { kind: 'cost', row: result.row }
      : quarantine(file, ctx, line, result.field, result.reason);
  }
}

interface ColumnIndex {
  positions: Map<CurColumn, number>;
  width: number;
}

/** Where each known column sits. A missing required column stops the file: nothing is guessed. */
function columnIndex(header: string[], file: SourceFile): ColumnIndex {
  const positions = new Map<CurColumn, number>();
  const known = new Set<string>([...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]);
  header.forEach((name, at) => {
    const column = name.trim();
    if (known.has(column) && !positions.has(column as CurColumn)) {
      positions.set(column as CurColumn, at);
    }
  });

  const missing = REQUIRED_COLUMNS.filter((column) => !positions.has(column));
  const first = missing[0];
  if (first !== undefined) {
    const legacy = header.some((name) => name.includes('/'))
      ? ' (the header looks like a legacy CUR, which this format does not read)'
      : '';
    throw new SourceError(
      'SOURCE_MISSING_COLUMN',
      `required CUR 2.0 column missing from the header: ${missing.join(', ')}${legacy}`,
      { file: file.path, line: 1, field: first },
    );
  }
  return { positions, width: header.length };
}

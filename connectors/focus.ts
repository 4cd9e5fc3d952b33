// FOCUS exports (FinOps Open Cost and Usage Specification 1.0 to 1.2) as CSV, gzip, zip or Parquet,
// from any provider: AWS Data Exports' FOCUS_1_0_AWS and FOCUS_1_2_AWS tables with their `x_`
// columns, and any other provider's FOCUS file. Effective cost comes from the file, so a
// commitment bought up front counts once: its purchase is billed, its amortized usage effective.
import type { SourceRecord } from '../attribution/index.js';
import { isBedrockService } from './ai-services.js';
import { dataExportDelivery, isExportArtifact } from './aws-export-layout.js';
import { cellText, exportRows } from './aws-export-table.js';
import {
  quarantine,
  sourceRef,
  type FormatReader,
  type ReadContext,
  type SourceFile,
} from './format-reader.js';
import {
  OPTIONAL_FOCUS_COLUMNS,
  PROVIDER_COLUMNS,
  REQUIRED_FOCUS_COLUMNS,
  USAGE_TYPE_COLUMNS,
  focusCostRow,
  type FocusColumn,
} from './focus-row.js';
import { SourceError } from './source-error.js';

export type FocusFormat = 'focus-1.0' | 'focus-1.2';

/** The column each format's AWS flavour names Bedrock's usage type in. */
const USAGE_TYPE_COLUMN: Readonly<Record<FocusFormat, string>> = {
  'focus-1.0': 'x_UsageType',
  'focus-1.2': 'SkuMeter',
};

export function focusReader(format: FocusFormat): FormatReader {
  return {
    format,
    role: 'billing',
    read: (file, ctx) => readFocus(file, ctx, format),
    deliveryOf: dataExportDelivery,
  };
}

async function* readFocus(
  file: SourceFile,
  ctx: ReadContext,
  format: FocusFormat,
): AsyncIterable<SourceRecord> {
  if (isExportArtifact(file)) return;

  for await (const record of exportRows(file, ctx, focusColumns, 'a FOCUS header')) {
    if (record.kind !== 'row') {
      yield record;
      continue;
    }
    const { cells, columns, line } = record;
    const value = (column: FocusColumn): string => {
      const at = columns.positions.get(column);
      return at === undefined ? '' : cellText(cells[at]);
    };
    const result = focusCostRow(value, `${file.name}:${line}`, sourceRef(file, ctx, line));
    if (!result.ok) {
      const field = columns.names.get(result.field) ?? result.field;
      yield quarantine(file, ctx, line, field, result.reason.replace(result.field, field));
      continue;
    }
    // Bedrock bills name the model only in the usage type: without its column they cannot be
    // matched to requests, and that is a file to fix, not rows to guess about.
    const { row } = result;
    if (
      row.provider === 'aws' &&
      !columns.positions.has('usageType') &&
      isBedrockService(row.serviceName)
    ) {
      throw new SourceError(
        'SOURCE_MISSING_COLUMN',
        `FOCUS file bills Amazon Bedrock without a usage type column: ${USAGE_TYPE_COLUMN[format]}`,
        { file: file.path, line, field: USAGE_TYPE_COLUMN[format] },
      );
    }
    yield { kind: 'cost', row };
  }
}

interface FocusColumns {
  positions: Map<FocusColumn, number>;
  /** The file's own name of a pseudo-column (`provider`, `usageType`), for messages. */
  names: Map<FocusColumn, string>;
  width: number;
}

/** Where each column sits. A missing required column stops the file: nothing is guessed. */
function focusColumns(header: string[], file: SourceFile): FocusColumns {
  const at = new Map<string, number>();
  header.forEach((name, i) => {
    if (!at.has(name)) at.set(name, i);
  });
  const positions = new Map<FocusColumn, number>();
  const names = new Map<FocusColumn, string>();
  for (const column of [...REQUIRED_FOCUS_COLUMNS, ...OPTIONAL_FOCUS_COLUMNS]) {
    const i = at.get(column);
    if (i !== undefined) positions.set(column, i);
  }
  for (const [pseudo, candidates] of [
    ['provider', PROVIDER_COLUMNS],
    ['usageType', USAGE_TYPE_COLUMNS],
  ] as const) {
    const found = candidates.find((c) => at.has(c));
    if (found === undefined) continue;
    positions.set(pseudo, at.get(found)!);
    names.set(pseudo, found);
  }

  const missing: string[] = REQUIRED_FOCUS_COLUMNS.filter((c) => !positions.has(c));
  if (!positions.has('provider')) missing.push(PROVIDER_COLUMNS[0]);
  const first = missing[0];
  if (first !== undefined) {
    const cur = header.some((name) => name.startsWith('line_item_') || name.includes('/'))
      ? ' (the header looks like a CUR export: use aws-cur-2.0 or aws-cur-legacy)'
      : '';
    throw new SourceError(
      'SOURCE_MISSING_COLUMN',
      `required FOCUS column missing from the header: ${missing.join(', ')}${cur}`,
      { file: file.path, line: 1, field: first },
    );
  }
  return { positions, names, width: header.length };
}

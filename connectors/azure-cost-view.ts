// Whether a cost details file is the actual-cost or the amortized-cost dataset. The two have the
// same columns, and for usage no commitment covers their rows are equal, so the dataset is taken
// from what names it: the export's manifest, the export's or file's name, or else the rows that
// only one of the two datasets can hold. A file none of these decides is refused, since reading
// it as the wrong dataset would count its cost in the wrong view.
import { readCsvRecords } from './csv-records.js';
import type { AzureColumns } from './azure-cost-columns.js';
import { exportLayout, manifestBeside } from './azure-export-layout.js';
import { parseDecimal } from './field-values.js';
import type { SourceFile } from './format-reader.js';
import { SourceError } from './source-error.js';

export type AzureDataset = 'actual' | 'amortized';

export interface DatasetFinding {
  dataset: AzureDataset;
  /** What decided it, for messages. */
  because: string;
}

/** Charge types Microsoft writes only into amortized data: the unused part of a commitment. */
export const AMORTIZED_ONLY_CHARGES: ReadonlySet<string> = new Set([
  'unusedreservation',
  'unusedsavingsplan',
]);

const COMMITMENT_PRICING: ReadonlySet<string> = new Set(['reservation', 'savingsplan']);

const MANIFEST_DATASETS: Readonly<Record<string, AzureDataset>> = {
  actualcost: 'actual',
  usage: 'actual',
  amortizedcost: 'amortized',
};

export async function datasetOf(file: SourceFile, columns: AzureColumns): Promise<DatasetFinding> {
  const manifest = await manifestBeside(file.path);
  const declared = manifest?.dataset?.toLowerCase();
  if (declared === 'focuscost') {
    throw new SourceError(
      'SOURCE_FORMAT_INVALID',
      'the manifest beside this file says it is a FOCUS export, which the focus-1.0 format reads',
      { file: file.path, field: 'exportConfig.type' },
    );
  }
  const fromManifest = declared === undefined ? undefined : MANIFEST_DATASETS[declared];
  if (fromManifest) {
    const because = `manifest.json exportConfig.type ${manifest?.dataset ?? ''}`;
    return { dataset: fromManifest, because };
  }

  const fromName = datasetInName(file.path);
  if (fromName) return fromName;

  const fromRows = await datasetInRows(file, columns);
  if (fromRows) return fromRows;

  throw new SourceError(
    'SOURCE_FORMAT_INVALID',
    'cannot tell whether this is the actual-cost or the amortized-cost export: no manifest.json ' +
      'beside it names the dataset, neither the export nor the file is named for it ' +
      '("actual" or "amortized"), and no row is a commitment charge that only one of them holds',
    { file: file.path },
  );
}

/** The dataset the export's folder or the file's own name says, when exactly one is named. */
function datasetInName(path: string): DatasetFinding | null {
  const layout = exportLayout(path);
  for (const name of [layout.fileName, layout.exportName]) {
    if (name === null) continue;
    const amortized = /amortized/i.test(name);
    const actual = /actual/i.test(name);
    if (amortized !== actual) {
      return { dataset: amortized ? 'amortized' : 'actual', because: `the name ${name}` };
    }
  }
  return null;
}

/**
 * The first row only one dataset holds: an unused commitment (amortized only); usage a commitment
 * covers, which actual cost bills at zero and amortized cost at its share of the commitment; and a
 * commitment's own purchase, which amortized data leaves out.
 */
async function datasetInRows(file: SourceFile, columns: AzureColumns) {
  let header = true;
  for await (const record of readCsvRecords(file.path)) {
    if (header || record.fields === null) {
      header = false;
      continue;
    }
    const value = (c: Parameters<AzureColumns['value']>[1]) =>
      columns.value(record.fields!, c).trim().replace(/\s+/g, '').toLowerCase();
    const charge = value('chargeType');
    const because = `row ${record.line} (${columns.nameOf('chargeType')} ${charge})`;
    if (AMORTIZED_ONLY_CHARGES.has(charge)) return { dataset: 'amortized' as const, because };
    if (!COMMITMENT_PRICING.has(value('pricingModel'))) continue;

    const cost = parseDecimal(value('cost'));
    const quantity = parseDecimal(value('quantity'));
    if (cost === null) continue;
    if (charge === 'purchase' && cost !== '0') return { dataset: 'actual' as const, because };
    if (charge === 'usage' && cost !== '0') return { dataset: 'amortized' as const, because };
    if (charge === 'usage' && quantity !== null && quantity !== '0') {
      return { dataset: 'actual' as const, because };
    }
  }
  return null;
}

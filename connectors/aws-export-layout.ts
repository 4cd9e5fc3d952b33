// Where AWS billing exports put their files, and what that says about deliveries. A month to date
// is re-delivered on every refresh: legacy CUR writes each refresh to its own assembly folder under
// the billing period's date range, Data Exports (CUR 2.0, FOCUS) to its BILLING_PERIOD partition,
// either overwriting or in a new folder. The manifest beside the data names the current delivery.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import type { SourceFile } from './format-reader.js';

const LEGACY_PERIOD = /^\d{8}-\d{8}$/;
const DATA_EXPORT_PERIOD = /^BILLING_PERIOD=\d{4}-\d{2}$/;
const MANIFEST = /Manifest\.json$/i;

/**
 * Files an export writes beside its rows that hold no rows: manifests, Athena and Redshift
 * artifacts, status markers. Readers skip them, so a source url may name the whole export folder.
 */
export function isExportArtifact(file: SourceFile): boolean {
  const name = basename(file.path);
  return (
    MANIFEST.test(name) ||
    /\.(?:sql|ya?ml)$/i.test(name) ||
    name === 'cost_and_usage_data_status' ||
    name.startsWith('.')
  );
}

/**
 * Delivery of a legacy CUR file, from `<report>/yyyymmdd-yyyymmdd/<assemblyId>/<file>`: the
 * assembly the date range's manifest names is the latest; without that manifest, assemblies
 * follow the time their files were written. A file directly in the date range (overwrite mode)
 * is the one delivery of its period.
 */
export function legacyCurDelivery(file: SourceFile): string {
  const segments = file.path.split(sep);
  const at = segments.findIndex((s) => LEGACY_PERIOD.test(s));
  if (at === -1) return '';
  const periodDir = segments.slice(0, at + 1).join(sep);
  return deliveryKey(segments, at, periodDir, periodDir);
}

/**
 * Delivery of a Data Exports file (CUR 2.0, FOCUS), from
 * `<export>/data/BILLING_PERIOD=YYYY-MM/[<refresh>/]<file>`: the files the partition's manifest
 * (`<export>/metadata/BILLING_PERIOD=YYYY-MM/*Manifest.json`) lists are the latest; other refresh
 * folders follow the time their files were written.
 */
export function dataExportDelivery(file: SourceFile): string {
  const segments = file.path.split(sep);
  const at = segments.findIndex((s, i) => DATA_EXPORT_PERIOD.test(s) && segments[i - 1] === 'data');
  if (at === -1) return '';
  const exportDir = segments.slice(0, at - 1).join(sep);
  const manifestDir = join(exportDir, 'metadata', segments[at]!);
  return deliveryKey(segments, at, segments.slice(0, at + 1).join(sep), manifestDir);
}

/**
 * `<period>/0` for a file directly in its period's folder, `<period>/2` for a file of the delivery
 * the manifest names, `<period>/1/<written>/<folder>` for any other delivery folder: keys of one
 * period sort in the order the deliveries were made.
 */
function deliveryKey(segments: string[], at: number, periodDir: string, manifestDir: string) {
  const period = segments[at]!;
  const below = segments.slice(at + 1);
  if (below.length <= 1) return `${period}/0`;

  const tail = [period, ...below].join('/');
  if (manifestKeys(manifestDir).some((key) => key === tail || key.endsWith(`/${tail}`))) {
    return `${period}/2`;
  }
  const folder = below[0]!;
  return `${period}/1/${lastWritten(join(periodDir, folder))}/${folder}`;
}

/** Every file key the manifests of a folder list, as `/`-separated S3 keys without the bucket. */
function manifestKeys(dir: string): string[] {
  const keys: string[] = [];
  for (const name of safeList(dir).filter((n) => MANIFEST.test(n))) {
    let manifest: unknown;
    try {
      manifest = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch {
      // An unreadable manifest names no delivery; the folders' write times still order them.
      continue;
    }
    collectKeys(manifest, keys);
  }
  return keys;
}

/** Strings anywhere in the manifest that name a data file: `reportKeys`, `dataFiles` and the like. */
function collectKeys(value: unknown, keys: string[]): void {
  if (typeof value === 'string') {
    if (/\.(?:csv|gz|zip|parquet)$/i.test(value)) keys.push(value.replace(/^s3:\/\/[^/]+\//, ''));
  } else if (Array.isArray(value)) {
    for (const item of value) collectKeys(item, keys);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) collectKeys(item, keys);
  }
}

/** When the newest file of a folder was written, as sortable text. */
function lastWritten(dir: string): string {
  let newest = 0;
  for (const name of safeList(dir)) {
    try {
      const info = statSync(join(dir, name));
      if (info.isFile()) newest = Math.max(newest, info.mtimeMs);
    } catch {
      // A file removed while listing was not part of the delivery.
    }
  }
  return new Date(newest).toISOString();
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

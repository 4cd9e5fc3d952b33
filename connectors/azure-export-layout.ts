// Where Cost Management puts an export's files, and what that says about them. Exports land in
// `<container>/<dir>/<exportName>/<yyyyMMdd-yyyyMMdd>/<runId>/part_*.csv[.gz]` with a
// `manifest.json` beside the parts (legacy exports write `<exportName>_<id>.csv` straight into the
// date-range folder, without a manifest). The run folder is one delivery; the manifest names the
// dataset (actual or amortized cost) and when the run was submitted.
import { readFileSync } from 'node:fs';
import { readText } from './open-source.js';
import { remoteLocation } from './source-url.js';

export const MANIFEST_NAME = 'manifest.json';

const DATE_RANGE = /^\d{8}-\d{8}$/;
/** Run folders some tools name by time: `20250612T101500Z`, `202506121015`, ISO 8601. */
const RUN_TIME = /^(\d{4})-?(\d{2})-?(\d{2})(?:T?(\d{2}):?(\d{2})(?::?(\d{2}))?(?:\.\d+)?Z?)?$/i;

export interface ExportLayout {
  exportName: string | null;
  /** `yyyyMMdd-yyyyMMdd`, the period the export run covers. */
  dateRange: string | null;
  /** The run folder, when the file sits in one under the date range. */
  run: string | null;
  fileName: string;
}

/** The export name, date range and run folder a file's path shows, where it follows the layout. */
export function exportLayout(path: string): ExportLayout {
  const segments = path.split(/[\\/]/).filter((s) => s !== '');
  const fileName = segments[segments.length - 1] ?? path;
  let range = -1;
  for (let i = segments.length - 2; i >= 0 && range === -1; i--) {
    if (DATE_RANGE.test(segments[i]!)) range = i;
  }
  if (range === -1) return { exportName: null, dateRange: null, run: null, fileName };
  return {
    exportName: segments[range - 1] ?? null,
    dateRange: segments[range]!,
    run: range + 1 < segments.length - 1 ? segments[range + 1]! : null,
    fileName,
  };
}

export interface ExportManifest {
  /** `exportConfig.type`: `ActualCost`, `AmortizedCost`, `FocusCost`, ... */
  dataset: string | null;
  /** `runInfo.submittedTime`, RFC 3339. */
  submittedTime: string | null;
}

/** The manifest beside a file, or null when there is none or it says nothing readable. */
export async function manifestBeside(path: string): Promise<ExportManifest | null> {
  try {
    return manifestOf(await readText(siblingPath(path, MANIFEST_NAME)));
  } catch {
    return null;
  }
}

/**
 * The delivery a file belongs to: its run folder (or, for legacy exports, the file itself), keyed
 * so that keys sort in the order the runs were made. The time comes from a run folder named by
 * time, else from the local manifest's `runInfo.submittedTime`; runs with neither sort before any
 * timed run and among themselves by name.
 */
export function deliveryOf(path: string): string {
  const layout = exportLayout(path);
  const run = layout.run ?? layout.fileName;
  const time = runTimeOf(run) ?? (layout.run === null ? null : localManifestTime(path));
  return [time ?? '', layout.exportName ?? '', layout.dateRange ?? '', run].join('|');
}

function runTimeOf(run: string): string | null {
  const m = RUN_TIME.exec(run);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00'] = m;
  const time = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  return Number.isNaN(time.getTime()) ? null : time.toISOString();
}

// deliveryOf is synchronous, so it reads only a manifest on local disk; a remote run folder named
// by a bare run id sorts by that id (the remote listing gives no run time).
function localManifestTime(path: string): string | null {
  if (remoteLocation(path) !== undefined) return null;
  try {
    const submitted = manifestOf(readFileSync(siblingPath(path, MANIFEST_NAME), 'utf8'));
    return submitted.submittedTime === null
      ? null
      : new Date(submitted.submittedTime).toISOString();
  } catch {
    // No manifest, or one without a readable time: the run sorts by its name.
    return null;
  }
}

function manifestOf(text: string): ExportManifest {
  const json = JSON.parse(text) as unknown;
  const config = field(json, 'exportConfig');
  const run = field(json, 'runInfo');
  return {
    dataset: textOf(field(config, 'type')),
    submittedTime: textOf(field(run, 'submittedTime')),
  };
}

function siblingPath(path: string, name: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return `${path.slice(0, cut + 1)}${name}`;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : null;
}

function textOf(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

// A folder attributed and kept in the store, ready to be reported on: the run's id, the refused
// input, and the CostCenters whose budgets a report judges.
import { type CostView, type Quarantined, type Store, latestRunId } from '../attribution/index.js';
import { attributeManifests } from './attribute-command.js';
import { loadManifests } from './manifests.js';
import type { LoadedManifests } from './manifests.js';

export interface ReportRun {
  runId: number;
  quarantined: Quarantined[];
  manifests: LoadedManifests;
}

export async function attributeForReport(
  dir: string,
  store: Store,
  costView?: CostView,
): Promise<ReportRun> {
  const manifests = await loadManifests(dir);
  const { quarantined } = await attributeManifests(manifests, store, { costView });
  // Known gap: the run's id is read back as the store's latest, since attributing does not return
  // it; on a PostgreSQL shared with another writer, a run saved at the same moment could be taken.
  const runId = await latestRunId(store.sql);
  if (runId === null) throw new Error('the attribution run was not saved');
  return { runId, quarantined, manifests };
}

export function describeQuarantined(q: Quarantined): string {
  const field = q.field ? ` ${q.field}:` : '';
  return `${q.source.file}:${q.source.line}:${field} ${q.reason}`;
}

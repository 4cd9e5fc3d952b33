// A folder attributed and kept in the store, ready to be reported on: the run's id, the refused
// input, and the CostCenters whose budgets a report judges.
import type { CostView, Quarantined, Store } from '../attribution/index.js';
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
  const { result, quarantined } = await attributeManifests(manifests, store, { costView });
  return { runId: result.runId, quarantined, manifests };
}

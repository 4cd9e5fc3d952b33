// One attribution run serves every CostCenter and AttributionPolicy that asks for the same window
// while the inputs stay the same: a thousand CostCenters on one monthly budget cost one run, not a
// thousand. Inputs are the cluster state's version and the store's, which grows with each sync.
import type { Clock } from './clock.js';
import type { ClusterView } from './cluster-view.js';
import type { AttributionEngine, AttributionOutcome, AttributionWindow } from './engine.js';
import type { OperatorMetrics } from './metrics.js';

export interface AttributionRun extends AttributionOutcome {
  /** When the run started. */
  at: Date;
}

export class AttributionRuns {
  private storeVersion = 0;
  private readonly runs = new Map<string, { inputs: string; run: Promise<AttributionRun> }>();

  constructor(
    private readonly engine: AttributionEngine,
    private readonly view: ClusterView,
    private readonly clock: Clock,
    private readonly metrics: OperatorMetrics,
  ) {}

  /** Called after anything changes the store's records, e.g. a connector sync. */
  storeChanged(): void {
    this.storeVersion++;
  }

  /** The current inputs, so callers can tell whether a result they hold is still current. */
  get inputs(): string {
    return `${this.view.version}:${this.storeVersion}`;
  }

  result(window: AttributionWindow): Promise<AttributionRun> {
    const windowKey = `${window.start}/${window.end}`;
    const inputs = this.inputs;
    const known = this.runs.get(windowKey);
    if (known?.inputs === inputs) return known.run;

    const run = this.start(window);
    this.runs.set(windowKey, { inputs, run });
    // A failed run is forgotten so the next caller tries again rather than sharing the failure.
    run.catch(() => {
      if (this.runs.get(windowKey)?.run === run) this.runs.delete(windowKey);
    });
    return run;
  }

  private async start(window: AttributionWindow): Promise<AttributionRun> {
    const at = this.clock.now();
    const stopTimer = this.metrics.attributionDuration.startTimer();
    try {
      const outcome = await this.engine.attribute(this.view.state(), window);
      return { ...outcome, at };
    } finally {
      stopTimer();
    }
  }
}

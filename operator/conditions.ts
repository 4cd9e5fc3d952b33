// Status conditions as the Kubernetes API conventions define them. `lastTransitionTime` records
// when `status` last flipped; a new reason or message alone does not move it.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type DesiredCondition = Omit<Condition, 'lastTransitionTime'>;

/**
 * The conditions after a reconcile that states all of `desired`: each keeps its
 * `lastTransitionTime` while its status holds, and conditions no longer stated are dropped.
 */
export function mergeConditions(
  current: readonly Condition[] | undefined,
  desired: readonly DesiredCondition[],
  now: Date,
): Condition[] {
  return desired.map((want) => {
    const existing = current?.find((c) => c.type === want.type);
    const lastTransitionTime =
      existing && existing.status === want.status ? existing.lastTransitionTime : kubeTime(now);
    return { ...want, lastTransitionTime };
  });
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** RFC 3339 at second precision, the form `metav1.Time` serializes to. */
export function kubeTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

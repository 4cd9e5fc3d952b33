// Argmin's own resources as the operator reads them from the API, and the one kind of write it
// makes to them: a JSON merge patch of the `/status` subresource.
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import { ARGMIN_API_VERSION } from '../attribution/index.js';
import type { OperatorMetrics } from './metrics.js';
import { statusPatch, type Status } from './status.js';

export const ARGMIN_GROUP = 'argmin.io';
export const ARGMIN_VERSION = 'v1alpha1';

export const ARGMIN_KINDS = {
  CloudConnector: { plural: 'cloudconnectors' },
  CostCenter: { plural: 'costcenters' },
  AttributionPolicy: { plural: 'attributionpolicies' },
} as const;
export type ArgminKind = keyof typeof ARGMIN_KINDS;

export interface ArgminObject<Spec, S extends object> {
  apiVersion: typeof ARGMIN_API_VERSION;
  kind: ArgminKind;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  spec: Spec;
  status?: S;
}

/** The work-queue key of an object: `namespace/name`, or `name` when cluster-scoped. */
export function keyOf(object: { metadata?: { namespace?: string; name?: string } }): string {
  const { namespace, name } = object.metadata ?? {};
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const at = key.indexOf('/');
  return at < 0 ? { name: key } : { namespace: key.slice(0, at), name: key.slice(at + 1) };
}

export class StatusWriter {
  constructor(
    private readonly api: CustomObjectsApi,
    private readonly metrics: OperatorMetrics,
  ) {}

  /**
   * Writes `desired` as the status of `object` when it differs from what the object has; returns
   * whether it wrote. A 409 means the object changed since it was read: the caller's reconcile
   * fails and runs again on the newer object.
   */
  async write<S extends object>(object: ArgminObject<unknown, S>, desired: S): Promise<boolean> {
    const patch = statusPatch(
      object.status as Status | undefined,
      desired as Status,
      object.metadata.resourceVersion ?? '',
    );
    if (!patch) return false;
    const { plural } = ARGMIN_KINDS[object.kind];
    const { name, namespace } = object.metadata;
    const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const common = { group: ARGMIN_GROUP, version: ARGMIN_VERSION, plural, name, body: patch };
    if (namespace) {
      await this.api.patchNamespacedCustomObjectStatus({ ...common, namespace }, options);
    } else {
      await this.api.patchClusterCustomObjectStatus(common, options);
    }
    this.metrics.statusWrites.inc({ kind: object.kind });
    return true;
  }
}

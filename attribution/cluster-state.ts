// Turns Kubernetes objects, from manifests or from informers, into the cluster state attribution
// reads. Objects of kinds attribution does not use are ignored.
import {
  ARGMIN_API_VERSION,
  type AttributionPolicy,
  type CloudConnector,
  type ClusterState,
  type CostCenter,
  type Namespace,
  type ObjectMeta,
  type Origin,
  type ServiceAccount,
  type Workload,
  type WorkloadKind,
} from './resources.js';

/** A Kubernetes object as it was declared, with where it was declared. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
  };
  spec?: unknown;
}

const WORKLOAD_KINDS: Record<string, { apiVersion: string; kind: WorkloadKind }> = {
  Deployment: { apiVersion: 'apps/v1', kind: 'Deployment' },
  StatefulSet: { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  CronJob: { apiVersion: 'batch/v1', kind: 'CronJob' },
  Job: { apiVersion: 'batch/v1', kind: 'Job' },
};

export function emptyClusterState(): ClusterState {
  return {
    namespaces: [],
    workloads: [],
    serviceAccounts: [],
    costCenters: [],
    connectors: [],
    policies: [],
  };
}

/** Adds one object to `state`; returns false when attribution has no use for its kind. */
export function addObject(state: ClusterState, object: KubeObject, origin: Origin): boolean {
  const { apiVersion, kind } = object;
  const metadata = objectMeta(object);

  if (apiVersion === 'v1' && kind === 'Namespace') {
    state.namespaces.push({ metadata, origin } satisfies Namespace);
    return true;
  }
  if (apiVersion === 'v1' && kind === 'ServiceAccount') {
    const namespaced = { ...metadata, namespace: metadata.namespace ?? 'default' };
    state.serviceAccounts.push({ metadata: namespaced, origin } satisfies ServiceAccount);
    return true;
  }
  const workloadKind = kind ? WORKLOAD_KINDS[kind] : undefined;
  if (workloadKind && workloadKind.apiVersion === apiVersion) {
    state.workloads.push(toWorkload(workloadKind.kind, object, metadata, origin));
    return true;
  }
  if (apiVersion !== ARGMIN_API_VERSION) return false;

  const spec = (object.spec ?? {}) as never;
  switch (kind) {
    case 'CostCenter':
      state.costCenters.push({ metadata, spec, origin } satisfies CostCenter);
      return true;
    case 'CloudConnector':
      state.connectors.push({ metadata, spec, origin } satisfies CloudConnector);
      return true;
    case 'AttributionPolicy':
      state.policies.push({ metadata, spec, origin } satisfies AttributionPolicy);
      return true;
    default:
      return false;
  }
}

function objectMeta(object: KubeObject): ObjectMeta {
  const m = object.metadata ?? {};
  return {
    name: m.name ?? '',
    ...(m.namespace ? { namespace: m.namespace } : {}),
    labels: { ...(m.labels ?? {}) },
    annotations: { ...(m.annotations ?? {}) },
  };
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    serviceAccountName?: string;
    containers?: { image?: string }[];
    initContainers?: { image?: string }[];
  };
}

function toWorkload(
  kind: WorkloadKind,
  object: KubeObject,
  metadata: ObjectMeta,
  origin: Origin,
): Workload {
  const spec = (object.spec ?? {}) as {
    template?: PodTemplate;
    jobTemplate?: { spec?: { template?: PodTemplate } };
  };
  const template = (kind === 'CronJob' ? spec.jobTemplate?.spec?.template : spec.template) ?? {};
  const containers = [
    ...(template.spec?.containers ?? []),
    ...(template.spec?.initContainers ?? []),
  ];
  return {
    kind,
    metadata: { ...metadata, namespace: metadata.namespace ?? 'default' },
    podLabels: { ...(template.metadata?.labels ?? {}) },
    podAnnotations: { ...(template.metadata?.annotations ?? {}) },
    serviceAccountName: template.spec?.serviceAccountName ?? 'default',
    images: containers.map((c) => c.image).filter((i): i is string => typeof i === 'string'),
    origin,
  };
}

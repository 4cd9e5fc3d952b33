// The cluster state attribution reads: Kubernetes workloads and Argmin's own resources
// (`argmin.io/v1alpha1`). The CLI fills it from a folder of manifests; the operator from informers.

export const ARGMIN_API_VERSION = 'argmin.io/v1alpha1';

/** Annotations service owners and platform teams set. */
export const COST_CENTER_ANNOTATION = 'argmin.io/cost-center';
export const REPOSITORY_ANNOTATION = 'argmin.io/repository';
/** The folder of the repository the workload is built from, for monorepos. */
export const SOURCE_PATH_ANNOTATION = 'argmin.io/source-path';
export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** Where an object was declared, for messages that point at it. */
export interface Origin {
  file: string;
  line: number;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** When the object, or its annotations, began to hold; null when unknown (always held). */
  since?: string | null;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface Namespace {
  metadata: ObjectMeta;
  origin: Origin;
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'CronJob' | 'Job';

/** A Deployment, StatefulSet, CronJob or Job, reduced to what attribution needs. */
export interface Workload {
  kind: WorkloadKind;
  metadata: ObjectMeta & { namespace: string };
  /** Labels and annotations of the pod template, which annotations may also sit on. */
  podLabels: Record<string, string>;
  podAnnotations: Record<string, string>;
  serviceAccountName: string;
  images: string[];
  origin: Origin;
}

export interface ServiceAccount {
  metadata: ObjectMeta & { namespace: string };
  origin: Origin;
}

export type BudgetPeriod = 'Monthly' | 'Quarterly' | 'Yearly';

export interface CostCenterSpec {
  code: string;
  displayName: string;
  parent?: string;
  owners?: { teams?: string[]; people?: string[] };
  /** Cloud accounts, projects or subscriptions whose otherwise unattributed spend is theirs. */
  accounts?: string[];
  namespaces?: string[];
  namespaceSelector?: LabelSelector;
  workloadSelector?: LabelSelector;
  budget?: {
    /** Decimal string. */
    amount: string;
    currency: string;
    period: BudgetPeriod;
    /** Percentages of the amount, ascending, at which to alert. */
    alertThresholds?: number[];
  };
}

export interface CostCenter {
  metadata: ObjectMeta;
  spec: CostCenterSpec;
  origin: Origin;
}

export interface ConnectorSource {
  name: string;
  format: string;
  url: string;
}

export interface CloudConnectorSpec {
  provider: 'aws' | 'gcp' | 'azure';
  accounts?: { id: string; name?: string }[];
  sources: ConnectorSource[];
}

export interface CloudConnector {
  metadata: ObjectMeta;
  spec: CloudConnectorSpec;
  origin: Origin;
}

export interface RepositorySpec {
  /** As the `argmin.io/repository` annotation names it, e.g. `github.com/acme/checkout`. */
  name: string;
  /** URL of the repository's CODEOWNERS file. */
  codeowners: string;
  /** Container image repositories built from it, so workloads without the annotation match. */
  images?: string[];
}

export interface AttributionPolicySpec {
  repositories?: RepositorySpec[];
}

export interface AttributionPolicy {
  metadata: ObjectMeta;
  spec: AttributionPolicySpec;
  origin: Origin;
}

/** Everything attribution reads from the cluster. */
export interface ClusterState {
  namespaces: Namespace[];
  workloads: Workload[];
  serviceAccounts: ServiceAccount[];
  costCenters: CostCenter[];
  connectors: CloudConnector[];
  policies: AttributionPolicy[];
}

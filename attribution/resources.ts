// The cluster state attribution reads: Kubernetes workloads and Argmin's own resources
// (`argmin.io/v1alpha1`). The CLI fills it from a folder of manifests; the operator from informers.

export const ARGMIN_API_VERSION = 'argmin.io/v1alpha1';

/** Annotations service owners and platform teams set. */
export const COST_CENTER_ANNOTATION = 'argmin.io/cost-center';
export const REPOSITORY_ANNOTATION = 'argmin.io/repository';
/** The folder of the repository the workload is built from, for monorepos. */
export const SOURCE_PATH_ANNOTATION = 'argmin.io/source-path';
export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';
export const GKE_SERVICE_ACCOUNT_ANNOTATION = 'iam.gke.io/gcp-service-account';
export const AZURE_CLIENT_ID_ANNOTATION = 'azure.workload.identity/client-id';

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
  /** IANA time zone in which budget periods start and end; `UTC` by default. */
  timeZone?: string;
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

export type CloudProvider = 'aws' | 'gcp' | 'azure';

/** How Argmin reaches an AWS organisation's exports: a read-only role it assumes. */
export interface AwsConnectorSpec {
  roleArn?: string;
  externalId?: string;
  region?: string;
}

export interface GcpConnectorSpec {
  /** Project that holds the billing export dataset. */
  projectId?: string;
  billingAccountId?: string;
  /** BigQuery dataset of the Cloud Billing export, `project.dataset`. */
  dataset?: string;
  /** Google service account impersonated through Workload Identity. */
  serviceAccount?: string;
}

export interface AzureConnectorSpec {
  tenantId?: string;
  /** Billing scope of the Cost Management export, e.g. `/subscriptions/<id>`. */
  scope?: string;
  /** Client id of the Entra ID application used through Azure Workload Identity. */
  clientId?: string;
}

/** A key of a Secret in the operator's own namespace. */
export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface CloudConnectorSpec {
  provider: CloudProvider;
  accounts?: { id: string; name?: string }[];
  sources: ConnectorSource[];
  /** At most one, matching `provider`. */
  aws?: AwsConnectorSpec;
  gcp?: GcpConnectorSpec;
  azure?: AzureConnectorSpec;
  /** How often sources are synced, as a duration such as `1h` or `30m`. */
  schedule?: string;
  credentialsSecretRef?: SecretKeyRef;
  /** When true, no sync runs; status keeps its last values. */
  suspend?: boolean;
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

/** Spend one rule sends to one cost center, whatever the evidence says. */
export interface AttributionOverride {
  /** Exactly one of these is set. */
  match: { service?: string; account?: string; person?: string };
  costCenter: string;
}

/** A service whose spend is shared among its callers rather than owned by one cost center. */
export interface SharedService {
  /** `namespace/name` of the workload. */
  service: string;
  splitBy: 'Requests' | 'Tokens';
  /** Where spend with no identified caller goes. */
  costCenter?: string;
}

export interface AttributionPolicySpec {
  repositories?: RepositorySpec[];
  /** The spend the policy governs; everything when absent. */
  scope?: { namespaces?: string[]; accounts?: string[] };
  /** Decimal string in [0, 0.95]: attributions below it count as uncovered. */
  minConfidence?: string;
  /** Decimal strings keyed by evidence kind (`workloadAnnotation`, `codeowners`, ...). */
  evidenceWeights?: Record<string, string>;
  overrides?: AttributionOverride[];
  sharedServices?: SharedService[];
  /** A price book file or folder, relative to the manifest's folder, added to the shipped book. */
  priceBook?: string;
  /** Decimal fraction string: how far a bill's unit price may stray from the book unreported. */
  priceDriftThreshold?: string;
}

export interface AttributionPolicy {
  metadata: ObjectMeta;
  spec: AttributionPolicySpec;
  origin: Origin;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A status condition in the shape of metav1.Condition. */
export interface StatusCondition {
  /** `Ready` summarises; `Synced`, `Degraded` and `BudgetExceeded` where they fit. */
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  /** RFC 3339; moves only when `status` flips. */
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface QuarantineSample {
  file: string;
  line: number;
  field?: string;
  reason: string;
}

export interface CloudConnectorStatus {
  observedGeneration?: number;
  conditions?: StatusCondition[];
  lastSyncTime?: string;
  rowsRead?: number;
  rowsQuarantined?: number;
  /** The first few quarantined rows, so a person can find them without the logs. */
  quarantineSamples?: QuarantineSample[];
  accountsSeen?: string[];
}

export interface CostCenterStatus {
  observedGeneration?: number;
  conditions?: StatusCondition[];
  /** Decimal strings in `currency`, for the current budget period. */
  spend?: string;
  forecast?: string;
  /** Decimal string: spend as a percentage of the budget amount. */
  budgetUsedPercent?: string;
  /** Decimal string in [0, 0.95]: the spend-weighted confidence of the attributions. */
  confidence?: string;
  lastAttributionTime?: string;
  currency?: string;
}

export interface AttributionPolicyStatus {
  observedGeneration?: number;
  conditions?: StatusCondition[];
  /** Decimal string in [0, 1]: share of spend attributed at or above `minConfidence`. */
  coverage?: string;
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

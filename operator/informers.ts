// The collections the operator watches: the workloads, namespaces and service accounts that
// attribution reads (never written), and Argmin's own resources.
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ListPromise,
} from '@kubernetes/client-node';
import { ARGMIN_GROUP, ARGMIN_KINDS, ARGMIN_VERSION, type ArgminKind } from './argmin-objects.js';

export interface WatchedCollection {
  /** `apiVersion/kind`, e.g. `apps/v1/Deployment`. */
  name: string;
  apiVersion: string;
  kind: string;
  path: string;
  list: ListPromise<KubernetesObject>;
}

export function watchedCollections(kubeConfig: KubeConfig): WatchedCollection[] {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);

  const builtIn = (
    apiVersion: string,
    kind: string,
    path: string,
    list: () => Promise<KubernetesListObject<KubernetesObject>>,
  ): WatchedCollection => ({
    name: `${apiVersion}/${kind}`,
    apiVersion,
    kind,
    path,
    list: stamped(apiVersion, kind, list),
  });
  const argmin = (kind: ArgminKind): WatchedCollection => {
    const { plural } = ARGMIN_KINDS[kind];
    const apiVersion = `${ARGMIN_GROUP}/${ARGMIN_VERSION}`;
    return builtIn(
      apiVersion,
      kind,
      `/apis/${apiVersion}/${plural}`,
      () =>
        custom.listClusterCustomObject({
          group: ARGMIN_GROUP,
          version: ARGMIN_VERSION,
          plural,
        }) as Promise<KubernetesListObject<KubernetesObject>>,
    );
  };

  return [
    builtIn('v1', 'Namespace', '/api/v1/namespaces', () => core.listNamespace()),
    builtIn('v1', 'ServiceAccount', '/api/v1/serviceaccounts', () =>
      core.listServiceAccountForAllNamespaces(),
    ),
    builtIn('apps/v1', 'Deployment', '/apis/apps/v1/deployments', () =>
      apps.listDeploymentForAllNamespaces(),
    ),
    builtIn('apps/v1', 'StatefulSet', '/apis/apps/v1/statefulsets', () =>
      apps.listStatefulSetForAllNamespaces(),
    ),
    builtIn('batch/v1', 'CronJob', '/apis/batch/v1/cronjobs', () =>
      batch.listCronJobForAllNamespaces(),
    ),
    builtIn('batch/v1', 'Job', '/apis/batch/v1/jobs', () => batch.listJobForAllNamespaces()),
    argmin('CloudConnector'),
    argmin('CostCenter'),
    argmin('AttributionPolicy'),
  ];
}

/** List responses leave `apiVersion` and `kind` off their items; watch events carry them. */
function stamped(
  apiVersion: string,
  kind: string,
  list: () => Promise<KubernetesListObject<KubernetesObject>>,
): ListPromise<KubernetesObject> {
  return async () => {
    const result = await list();
    for (const item of result.items) {
      item.apiVersion ??= apiVersion;
      item.kind ??= kind;
    }
    return result;
  };
}

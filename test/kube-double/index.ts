// A Kubernetes API for tests: the double by default, or the real cluster a `KUBECONFIG` names.
// Tests that need to break the API on purpose (drop watches, compact history, inject faults) use
// `cluster.double` and skip themselves when it is absent.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { loadCrds } from '../../crds/index.js';
import { KubeApiDouble, type KubeDoubleOptions } from './api-server.js';

export { KubeApiDouble, type Fault, type RecordedRequest } from './api-server.js';

export interface TestCluster {
  kubeConfig: KubeConfig;
  /** A kubeconfig file for other clients, such as kubectl. */
  kubeconfigPath: string;
  /** The double, when the tests run against it; undefined against a real cluster. */
  double: KubeApiDouble | undefined;
  /** A client configuration of its own, told apart by `token` when the double injects faults. */
  clientConfig(token: string): KubeConfig;
  close(): Promise<void>;
}

/** True when `KUBECONFIG` points the suite at a real cluster. */
export const REAL_CLUSTER = Boolean(process.env.KUBECONFIG);

export async function startTestCluster(options: KubeDoubleOptions = {}): Promise<TestCluster> {
  if (REAL_CLUSTER) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    return {
      kubeConfig,
      kubeconfigPath: process.env.KUBECONFIG!.split(path.delimiter)[0]!,
      double: undefined,
      clientConfig: () => {
        const own = new KubeConfig();
        own.loadFromDefault();
        return own;
      },
      close: async () => undefined,
    };
  }

  const double = new KubeApiDouble(options);
  const server = await double.listen();
  const clientConfig = (token: string) => {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'double', server, skipTLSVerify: true }],
      users: [{ name: 'tester', token }],
      contexts: [{ name: 'double', cluster: 'double', user: 'tester' }],
      currentContext: 'double',
    });
    return config;
  };
  const kubeConfig = clientConfig('tester');
  const dir = await mkdtemp(path.join(tmpdir(), 'argmin-kube-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, kubeConfig.exportConfig());
  return {
    kubeConfig,
    kubeconfigPath,
    double,
    clientConfig,
    async close() {
      await double.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates Argmin's CRDs from `crds/`, or leaves them as they are where they already exist. */
export async function installCrds(kubeConfig: KubeConfig): Promise<void> {
  // Sent as plain JSON: the typed CRD model would drop the `x-kubernetes-*` schema extensions.
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  for (const crd of loadCrds()) {
    try {
      await api.createClusterCustomObject({
        group: 'apiextensions.k8s.io',
        version: 'v1',
        plural: 'customresourcedefinitions',
        body: crd,
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
}

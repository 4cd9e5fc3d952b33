// The cluster state attribution reads, kept current from informer events. Each object remembers
// when the operator first saw its present attribution-relevant content (labels, annotations, pod
// template, service account, spec): that moment is the `since` attribution splits spend at, so an
// annotation a service owner changes moves spend from the moment of the change onwards. Workloads,
// namespaces and service accounts appear once per version, oldest first, each holding from its
// `since` until the next version's; a reader that keeps only the last one sees the present state.
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  addObject,
  emptyClusterState,
  type ClusterState,
  type KubeObject,
} from '../attribution/index.js';
import type { Clock } from './clock.js';
import type { InformerEvent } from './supervised-informer.js';

interface Version {
  object: KubeObject;
  since: string | null;
}

interface Entry extends Version {
  fingerprint: string;
  /** Earlier versions, oldest first, for kinds whose annotations route spend. */
  earlier: Version[];
}

/**
 * Kinds whose earlier versions stay in the state, each from its own `since` until the next one's,
 * so spend before a change still goes where the annotations then sent it.
 */
const VERSIONED_KINDS = new Set([
  'Namespace',
  'ServiceAccount',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'Job',
]);
/** Versions kept per object; past this the oldest are forgotten. */
const MAX_EARLIER_VERSIONS = 16;

/** Objects seen in the cluster are reported with this origin: they have no file. */
const CLUSTER_ORIGIN_FILE = 'cluster';

export class ClusterView {
  private readonly entries = new Map<string, Entry>();
  private initialListDone = false;
  private changes = 0;
  private cached: { version: number; state: ClusterState } | undefined;

  constructor(private readonly clock: Clock) {}

  /** Grows by one with each change attribution would notice. */
  get version(): number {
    return this.changes;
  }

  /** Objects listed before this call held for as long as anyone knows; later ones from when seen. */
  markInitialListDone(): void {
    this.initialListDone = true;
  }

  /** Applies one informer event; returns true when attribution would see a difference. */
  apply(event: InformerEvent, object: KubernetesObject): boolean {
    const key = objectKey(object);
    if (event === 'delete') {
      if (!this.entries.delete(key)) return false;
      this.changes++;
      return true;
    }
    const plain = toKubeObject(object);
    const fingerprint = fingerprintOf(plain);
    if (fingerprint === null) return false;
    const previous = this.entries.get(key);
    if (previous?.fingerprint === fingerprint) return false;
    const since = this.initialListDone || previous ? this.clock.now().toISOString() : null;
    const earlier =
      previous && VERSIONED_KINDS.has(plain.kind ?? '')
        ? [...previous.earlier, { object: previous.object, since: previous.since }].slice(
            -MAX_EARLIER_VERSIONS,
          )
        : [];
    this.entries.set(key, { object: plain, fingerprint, since, earlier });
    this.changes++;
    return true;
  }

  /** The current state; the same object until the next change. */
  state(): ClusterState {
    if (this.cached?.version === this.changes) return this.cached.state;
    const state = emptyClusterState();
    for (const entry of this.entries.values()) {
      for (const version of entry.earlier) addWithSince(state, version.object, version.since);
      addWithSince(state, entry.object, entry.since);
    }
    this.cached = { version: this.changes, state };
    return state;
  }
}

export function objectKey(object: KubernetesObject): string {
  const { apiVersion, kind, metadata } = object;
  return `${apiVersion}/${kind}/${metadata?.namespace ?? ''}/${metadata?.name ?? ''}`;
}

function toKubeObject(object: KubernetesObject): KubeObject {
  const raw = object as KubeObject;
  return {
    apiVersion: raw.apiVersion,
    kind: raw.kind,
    metadata: {
      name: raw.metadata?.name,
      namespace: raw.metadata?.namespace,
      labels: raw.metadata?.labels,
      annotations: raw.metadata?.annotations,
    },
    spec: raw.spec,
  };
}

/** What attribution reads of an object, as text; null for kinds it does not read. */
function fingerprintOf(object: KubeObject): string | null {
  const probe = emptyClusterState();
  if (!addObject(probe, object, { file: CLUSTER_ORIGIN_FILE, line: 0 })) return null;
  return JSON.stringify(probe);
}

/** The entry `addObject` appended last, whichever list of the state it went to. */
function addWithSince(state: ClusterState, object: KubeObject, since: string | null): void {
  const lists = (): { metadata: { since?: string | null } }[][] => [
    state.namespaces,
    state.workloads,
    state.serviceAccounts,
    state.costCenters,
    state.connectors,
    state.policies,
  ];
  const before = lists().map((list) => list.length);
  addObject(state, object, { file: CLUSTER_ORIGIN_FILE, line: 0 });
  const grown = lists().find((list, i) => list.length > before[i]!);
  const added = grown?.[grown.length - 1];
  if (added) added.metadata.since = since;
}

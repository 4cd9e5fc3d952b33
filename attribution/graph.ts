// The attribution graph over one cluster state: from a request's caller to its service, from a
// service to its CostCenter (annotation, selector, workload identity, code ownership), from a person
// to theirs, and from an account to its owner. Each answer is a path of evidence-bearing edges.
import {
  DEFAULT_EVIDENCE_WEIGHTS,
  edge,
  pathConfidence,
  stronger,
  type Attribution,
  type Edge,
  type EvidenceKind,
} from './evidence.js';
import { Money } from './money.js';
import type { CallerIdentity, Group, Person, UsageEvent, WorkloadBinding } from './model.js';
import { People, teamKey } from './people.js';
import {
  COST_CENTER_ANNOTATION,
  AZURE_CLIENT_ID_ANNOTATION,
  GKE_SERVICE_ACCOUNT_ANNOTATION,
  IRSA_ROLE_ANNOTATION,
  REPOSITORY_ANNOTATION,
  SOURCE_PATH_ANNOTATION,
  type ClusterState,
  type CostCenter,
  type Namespace,
  type Origin,
  type RepositorySpec,
  type Workload,
} from './resources.js';
import { selectorMatches } from './selectors.js';

/** The owners of a path in one repository, as its CODEOWNERS file says. */
export interface OwnershipLookup {
  file: string;
  ownersOf(path: string): { owners: string[]; line: number; pattern: string } | null;
}

export interface GraphInputs {
  state: ClusterState;
  people: Person[];
  groups: Group[];
  /** CODEOWNERS by repository name, as AttributionPolicy names them. */
  codeowners: Map<string, OwnershipLookup>;
  weights?: Partial<Record<EvidenceKind, string>>;
  /** Service accounts bound to cloud roles by an inventory: weighed like IRSA annotations. */
  bindings?: WorkloadBinding[];
}

/** Something in the cluster state that points nowhere, e.g. an annotation naming no CostCenter. */
export interface GraphProblem {
  origin: Origin;
  fieldPath: string[];
  reason: string;
}

const REPOSITORY_ROOT_PROBE = 'argmin-repository-root';

type ServiceTarget = Omit<Attribution, 'service' | 'person'>;

/** How specific a CostCenter's claim on a workload is: the workload itself over its namespace. */
const CLAIM_RANK = { workload: 3, namespace: 2, ownership: 1 } as const;

interface RankedTarget extends ServiceTarget {
  rank: number;
}

export class AttributionGraph {
  readonly problems: GraphProblem[] = [];
  private readonly reported = new Set<string>();
  private readonly weights: Record<EvidenceKind, string>;
  private readonly costCenters: Map<string, CostCenter>;
  private readonly repositories: RepositorySpec[];
  private readonly people: People;
  /** The moments the cluster changed, ascending: each starts a new snapshot of it. */
  private readonly changePoints: string[];
  private readonly snapshots = new Map<number, Snapshot>();

  constructor(private readonly inputs: GraphInputs) {
    const { state } = inputs;
    this.weights = { ...DEFAULT_EVIDENCE_WEIGHTS, ...(inputs.weights ?? {}) };
    const sortedCcs = [...state.costCenters].sort((a, b) =>
      a.metadata.name.localeCompare(b.metadata.name),
    );
    this.costCenters = new Map(sortedCcs.map((cc) => [cc.metadata.name, cc]));
    this.repositories = state.policies.flatMap((p) => p.spec.repositories ?? []);
    this.people = new People(inputs.people, inputs.groups, sortedCcs, this.weights);

    const versioned = [...state.workloads, ...state.namespaces, ...state.serviceAccounts];
    const since = versioned.map((o) => o.metadata.since).filter((t): t is string => !!t);
    this.changePoints = [...new Set(since)].sort();
    for (const list of [state.workloads, state.namespaces, state.serviceAccounts])
      recordVersionEnds(list);
    this.checkReferences();
  }

  /** The interval in which the snapshot holding at `at` held: from the change before it to the next. */
  heldAt(at?: string): { from: string | null; until: string | null } {
    const epoch = this.epochOf(at);
    return { from: this.changePoints[epoch - 1] ?? null, until: this.changePoints[epoch] ?? null };
  }

  /** The moments the cluster changed, ascending. */
  changes(): readonly string[] {
    return this.changePoints;
  }

  /**
   * Which snapshot of the cluster holds at a moment: how many changes had happened by then. The
   * present when `at` is not given.
   */
  epochOf(at?: string): number {
    if (at === undefined) return this.changePoints.length;
    let epoch = 0;
    while (epoch < this.changePoints.length && this.changePoints[epoch]! <= at) epoch++;
    return epoch;
  }

  /** The strongest path from a request to a CostCenter, with the cluster as it was at the time. */
  resolveEvent(event: UsageEvent): Attribution | null {
    return this.resolveCaller(event.identity ?? {}, event.service, event.timestamp);
  }

  /** The strongest path from a caller to a CostCenter, or the service alone when that is all. */
  resolveCaller(identity: CallerIdentity, service?: string, at?: string): Attribution | null {
    const candidates: Attribution[] = [];
    const snapshot = this.snapshot(this.epochOf(at));

    for (const hop of this.servicesOf(snapshot, identity, service)) {
      const target = this.serviceTarget(snapshot, hop.workload);
      const ref = `${hop.workload.metadata.namespace}/${hop.workload.metadata.name}`;
      const person = this.personOf(identity)?.person.userName ?? null;
      candidates.push({
        costCenter: target?.costCenter ?? null,
        team: target?.team ?? null,
        service: ref,
        person,
        edges: [hop.edge, ...(target?.edges ?? [])],
      });
    }
    const match = this.personOf(identity);
    const owner = match ? this.people.costCenterOf(match.person) : null;
    if (match && owner) {
      candidates.push({ ...owner, service: null, edges: [match.edge, ...owner.edges] });
    }

    const withCostCenter = candidates.filter((c) => c.costCenter !== null);
    const best = withCostCenter.reduce<Attribution | null>((a, b) => stronger(a, b), null);
    if (best) return best;
    if (candidates[0]) return { ...candidates[0], edges: [] };
    return match ? { ...nobody(), person: match.person.userName } : null;
  }

  /** The CostCenter that lists an account as its own: connector-level evidence only. */
  accountOwner(account: string): Attribution | null {
    for (const cc of this.costCenters.values()) {
      if (!(cc.spec.accounts ?? []).includes(account)) continue;
      const why = `account ${account} is listed by CostCenter ${cc.metadata.name} (${at(cc.origin)})`;
      return {
        ...nobody(),
        costCenter: cc.metadata.name,
        edges: [edge(this.weights.account, why)],
      };
    }
    return null;
  }

  /**
   * The other paths a caller could have taken to a CostCenter at a moment, strongest first: every
   * service-to-CostCenter claim and the person's own path, less the one `chosen`.
   */
  alternatives(
    identity: CallerIdentity,
    service: string | undefined,
    at: string | undefined,
    chosen: Attribution | null,
  ): Attribution[] {
    const snapshot = this.snapshot(this.epochOf(at));
    const match = this.personOf(identity);
    const person = match?.person.userName ?? null;
    const paths: Attribution[] = [];
    for (const hop of this.servicesOf(snapshot, identity, service)) {
      const w = hop.workload;
      const claims = [
        this.byWorkloadAnnotation(w),
        this.byNamespaceAnnotation(snapshot, w),
        ...this.bySelectors(snapshot, w),
        this.byCodeowners(w),
      ];
      const ref = `${w.metadata.namespace}/${w.metadata.name}`;
      for (const t of claims) {
        if (!t) continue;
        const edges = [hop.edge, ...t.edges];
        paths.push({ costCenter: t.costCenter, team: t.team, service: ref, person, edges });
      }
    }
    const owner = match ? this.people.costCenterOf(match.person) : null;
    if (match && owner)
      paths.push({ ...owner, service: null, edges: [match.edge, ...owner.edges] });

    const text = (a: Attribution) => a.edges.map((e) => e.evidence).join('\n');
    const lost = paths.filter(
      (p) => !chosen || p.costCenter !== chosen.costCenter || text(p) !== text(chosen),
    );
    return lost.sort((a, b) => pathConfidence(b.edges).comparedTo(pathConfidence(a.edges)));
  }

  /** The cluster as it was in one epoch: each object's latest version by then. */
  private snapshot(epoch: number): Snapshot {
    const cached = this.snapshots.get(epoch);
    if (cached) return cached;
    const { state } = this.inputs;
    const holds = (o: { metadata: { since?: string | null } }) =>
      !o.metadata.since || this.changePoints.indexOf(o.metadata.since) < epoch;
    const latest = <
      T extends { metadata: { name: string; namespace?: string; since?: string | null } },
    >(
      objects: T[],
    ) => {
      const byKey = new Map<string, T>();
      for (const o of objects)
        if (holds(o)) byKey.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
      return [...byKey.values()];
    };

    const snapshot: Snapshot = {
      workloads: new Map(),
      workloadsBySa: new Map(),
      saByCloudIdentity: new Map(),
      namespaceByName: new Map(latest(state.namespaces).map((ns) => [ns.metadata.name, ns])),
      serviceTargets: new Map(),
    };
    for (const w of latest(state.workloads)) {
      snapshot.workloads.set(`${w.metadata.namespace}/${w.metadata.name}`, w);
      const sa = `${w.metadata.namespace}/${w.serviceAccountName}`;
      snapshot.workloadsBySa.set(sa, [...(snapshot.workloadsBySa.get(sa) ?? []), w]);
    }
    for (const sa of latest(state.serviceAccounts)) {
      const serviceAccount = `${sa.metadata.namespace}/${sa.metadata.name}`;
      for (const { key, why } of workloadIdentityBindings(sa.metadata.annotations)) {
        const list = snapshot.saByCloudIdentity.get(key) ?? [];
        const held = heldOf(sa);
        snapshot.saByCloudIdentity.set(key, [...list, { serviceAccount, why, held }]);
      }
    }
    for (const binding of this.inputs.bindings ?? []) {
      const role = roleKey(binding.principal);
      if (!role) continue;
      const key = `aws:${role}`;
      const list = snapshot.saByCloudIdentity.get(key) ?? [];
      // An annotation stating the same binding is the same evidence, not a second path.
      if (list.some((b) => b.serviceAccount === binding.serviceAccount)) continue;
      const why = `${binding.evidence} (${binding.source.file}:${binding.source.line})`;
      snapshot.saByCloudIdentity.set(key, [
        ...list,
        { serviceAccount: binding.serviceAccount, why },
      ]);
    }
    this.snapshots.set(epoch, snapshot);
    return snapshot;
  }

  private servicesOf(s: Snapshot, identity: CallerIdentity, service?: string) {
    const hops: { workload: Workload; edge: Edge }[] = [];
    const named = service ? s.workloads.get(service) : undefined;
    if (named)
      hops.push({ workload: named, edge: edge('1', `request names its service ${service}`) });

    const sa = identity.serviceAccount ?? spiffeServiceAccount(identity.spiffeId);
    for (const w of sa ? (s.workloadsBySa.get(sa) ?? []) : []) {
      const share = s.workloadsBySa.get(sa!)!.length;
      const strength = new Money(1).dividedBy(share);
      const why = `request from serviceaccount ${sa}`;
      hops.push({ workload: w, edge: { ...edge(strength, why), ...heldOf(w) } });
    }

    const federated = gkeFederatedServiceAccount(identity.gcpPrincipal);
    const bindings = [
      ...cloudIdentityKeys(identity).flatMap((key) => {
        const found = s.saByCloudIdentity.get(key) ?? [];
        // An account id that service accounts of several projects share is evidence for none.
        const accounts = new Set(found.map((b) => b.serviceAccount));
        return key.startsWith('gcp-id:') && accounts.size > 1 ? [] : found;
      }),
      ...(federated
        ? [{ serviceAccount: federated, why: `GKE workload identity ${identity.gcpPrincipal}` }]
        : []),
    ];
    for (const { serviceAccount: saRef, why, held } of bindings) {
      const runners = s.workloadsBySa.get(saRef) ?? [];
      for (const w of runners) {
        const strength = new Money(this.weights.workloadIdentity).dividedBy(runners.length);
        const step = edge(strength, `${why}, serviceaccount ${saRef}`);
        hops.push({ workload: w, edge: { ...step, ...held } });
      }
    }
    return hops;
  }

  private personOf(identity: CallerIdentity) {
    // A cloud principal that is not a workload's may be a person's email or user principal name.
    for (const name of [identity.user, identity.gcpPrincipal, identity.azurePrincipal]) {
      const match = name ? this.people.byUser(name) : null;
      if (match) return match;
    }
    return identity.awsPrincipal ? this.people.byAwsPrincipal(identity.awsPrincipal) : null;
  }

  /** The strongest evidence tying a workload to a CostCenter, computed once per workload. */
  private serviceTarget(s: Snapshot, w: Workload): ServiceTarget | null {
    const ref = `${w.metadata.namespace}/${w.metadata.name}`;
    if (s.serviceTargets.has(ref)) return s.serviceTargets.get(ref)!;
    const found = [
      this.byWorkloadAnnotation(w),
      this.byNamespaceAnnotation(s, w),
      ...this.bySelectors(s, w),
      this.byCodeowners(w),
    ].filter((t): t is RankedTarget => t !== null);

    // The most specific claim wins whatever the weights; among equally specific ones, the
    // strongest. Equal claims for different CostCenters are a tie: reported, then settled by name.
    const order = (a: RankedTarget, b: RankedTarget) =>
      b.rank - a.rank || pathConfidence(b.edges).comparedTo(pathConfidence(a.edges));
    const ranked = found.sort(order);
    const best = ranked[0] ?? null;
    const tied = ranked.filter(
      (t) => best && order(t, best) === 0 && t.costCenter !== best.costCenter,
    );
    if (best && tied.length > 0) {
      const names = [best, ...tied].map((t) => t.costCenter).join(', ');
      this.report(
        w.origin,
        ['metadata', 'name'],
        `CostCenters ${names} claim ${w.kind} ${ref} equally; ${best.costCenter} is used, by name`,
      );
    }
    const target = best
      ? { costCenter: best.costCenter, team: best.team, edges: best.edges }
      : null;
    s.serviceTargets.set(ref, target);
    return target;
  }

  private byWorkloadAnnotation(w: Workload): RankedTarget | null {
    const name =
      w.metadata.annotations[COST_CENTER_ANNOTATION] ?? w.podAnnotations[COST_CENTER_ANNOTATION];
    const cc = name ? this.costCenters.get(name) : undefined;
    if (!cc) return null;
    const why = `${COST_CENTER_ANNOTATION}=${name} on ${w.kind} ${w.metadata.namespace}/${w.metadata.name} (${at(w.origin)})${since(w)}`;
    return this.target(cc, null, this.weights.workloadAnnotation, why, CLAIM_RANK.workload);
  }

  private byNamespaceAnnotation(s: Snapshot, w: Workload): RankedTarget | null {
    const ns = s.namespaceByName.get(w.metadata.namespace);
    const name = ns?.metadata.annotations[COST_CENTER_ANNOTATION];
    const cc = name ? this.costCenters.get(name) : undefined;
    if (!ns || !cc) return null;
    const why = `${COST_CENTER_ANNOTATION}=${name} on Namespace ${ns.metadata.name} (${at(ns.origin)})${since(ns)}`;
    return this.target(cc, null, this.weights.namespaceAnnotation, why, CLAIM_RANK.namespace);
  }

  private bySelectors(s: Snapshot, w: Workload): RankedTarget[] {
    const ns = w.metadata.namespace;
    const nsLabels = {
      'kubernetes.io/metadata.name': ns,
      ...(s.namespaceByName.get(ns)?.metadata.labels ?? {}),
    };
    const labels = { ...w.podLabels, ...w.metadata.labels };
    const found: RankedTarget[] = [];
    for (const cc of this.costCenters.values()) {
      const { namespaces, namespaceSelector, workloadSelector } = cc.spec;
      if (!namespaces && !namespaceSelector && !workloadSelector) continue;
      if (namespaces && !namespaces.includes(ns)) continue;
      if (namespaceSelector && !selectorMatches(namespaceSelector, nsLabels)) continue;
      if (workloadSelector && !selectorMatches(workloadSelector, labels)) continue;
      const why = `CostCenter ${cc.metadata.name} selects ${w.kind} ${ns}/${w.metadata.name} (${at(cc.origin)})`;
      const rank = workloadSelector ? CLAIM_RANK.workload : CLAIM_RANK.namespace;
      found.push(this.target(cc, null, this.weights.selector, why, rank));
    }
    return found;
  }

  private byCodeowners(w: Workload): RankedTarget | null {
    const annotations = { ...w.podAnnotations, ...w.metadata.annotations };
    const repo = annotations[REPOSITORY_ANNOTATION] ?? this.repositoryOfImages(w.images);
    const lookup = repo ? this.inputs.codeowners.get(repo) : undefined;
    if (!repo || !lookup) return null;
    const folder = (annotations[SOURCE_PATH_ANNOTATION] ?? '').replace(/^\/+|\/+$/g, '');
    // Without a source folder, the repository as a whole: whoever owns a plain file at its root.
    const match = lookup.ownersOf(folder === '' ? REPOSITORY_ROOT_PROBE : `${folder}/`);
    if (!match) return null;

    for (const owner of match.owners) {
      const team = teamKey(owner);
      for (const cc of this.costCenters.values()) {
        const teams = (cc.spec.owners?.teams ?? []).map(teamKey);
        const people = (cc.spec.owners?.people ?? []).map((p) => p.toLowerCase());
        if (!teams.includes(team) && !people.includes(owner.replace(/^@/, '').toLowerCase()))
          continue;
        const why =
          `${repo} CODEOWNERS ${lookup.file}:${match.line} '${match.pattern}' -> ${owner}, ` +
          `an owner of CostCenter ${cc.metadata.name}`;
        const owningTeam = teams.includes(team) ? team : null;
        return this.target(cc, owningTeam, this.weights.codeowners, why, CLAIM_RANK.ownership);
      }
    }
    return null;
  }

  private repositoryOfImages(images: string[]): string | undefined {
    for (const image of images) {
      const bare = image.replace(/@.*$/, '').replace(/:[^/:]+$/, '');
      const repo = this.repositories.find((r) => (r.images ?? []).includes(bare));
      if (repo) return repo.name;
    }
    return undefined;
  }

  private target(
    cc: CostCenter,
    team: string | null,
    weight: string,
    why: string,
    rank: number,
  ): RankedTarget {
    const owned = (cc.spec.owners?.teams ?? []).map(teamKey);
    return {
      rank,
      costCenter: cc.metadata.name,
      team: team ?? (owned.length === 1 ? owned[0]! : null),
      edges: [edge(weight, why)],
    };
  }

  private report(origin: Origin, fieldPath: string[], reason: string): void {
    const key = `${origin.file}:${origin.line}:${reason}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.problems.push({ origin, fieldPath, reason });
  }

  private checkReferences(): void {
    const { state } = this.inputs;
    const check = (origin: Origin, fieldPath: string[], name: string | undefined) => {
      if (name !== undefined && !this.costCenters.has(name)) {
        this.problems.push({
          origin,
          fieldPath,
          reason: `names CostCenter ${name}, which does not exist`,
        });
      }
    };
    const annotation = ['metadata', 'annotations', COST_CENTER_ANNOTATION];
    for (const ns of state.namespaces)
      check(ns.origin, annotation, ns.metadata.annotations[COST_CENTER_ANNOTATION]);
    for (const w of state.workloads) {
      check(w.origin, annotation, w.metadata.annotations[COST_CENTER_ANNOTATION]);
      const template =
        w.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template'] : ['spec', 'template'];
      check(w.origin, [...template, ...annotation], w.podAnnotations[COST_CENTER_ANNOTATION]);
    }
    for (const cc of state.costCenters) check(cc.origin, ['spec', 'parent'], cc.spec.parent);
  }
}

/** What holds in one epoch of the cluster, and the service targets found in it. */
interface Snapshot {
  workloads: Map<string, Workload>;
  workloadsBySa: Map<string, Workload[]>;
  /** Service accounts by the cloud identity their pods assume: IRSA, GKE and Azure. */
  saByCloudIdentity: Map<
    string,
    { serviceAccount: string; why: string; held?: Pick<Edge, 'validFrom' | 'validUntil'> }[]
  >;
  namespaceByName: Map<string, Namespace>;
  serviceTargets: Map<string, ServiceTarget | null>;
}

/** When an object's present version began to hold, for evidence that says so. */
function since(o: { metadata: { since?: string | null } }): string {
  const until = VERSION_ENDS.get(o);
  return `${o.metadata.since ? ` since ${o.metadata.since}` : ''}${until ? ` until ${until}` : ''}`;
}

/** When each version of an object stopped holding: the `since` of the version after it. */
const VERSION_ENDS = new WeakMap<object, string>();

function recordVersionEnds(
  objects: { metadata: { name: string; namespace?: string; since?: string | null } }[],
): void {
  const byKey = new Map<string, typeof objects>();
  for (const o of objects) {
    const key = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    byKey.set(key, [...(byKey.get(key) ?? []), o]);
  }
  for (const versions of byKey.values()) {
    // A version without `since` is the one that always held, so it comes first.
    const ordered = [...versions].sort((a, b) =>
      (a.metadata.since ?? '') < (b.metadata.since ?? '') ? -1 : 1,
    );
    ordered.forEach((o, i) => {
      const next = ordered[i + 1]?.metadata.since;
      if (next) VERSION_ENDS.set(o, next);
    });
  }
}

/** The interval an object's version held, as edge fields. */
function heldOf(o: {
  metadata: { since?: string | null };
}): Pick<Edge, 'validFrom' | 'validUntil'> {
  const until = VERSION_ENDS.get(o);
  return {
    ...(o.metadata.since ? { validFrom: o.metadata.since } : {}),
    ...(until ? { validUntil: until } : {}),
  };
}

function nobody(): Attribution {
  return { costCenter: null, service: null, team: null, person: null, edges: [] };
}

function at(origin: Origin): string {
  return `${origin.file}:${origin.line}`;
}

/**
 * `account:role` for an IAM role ARN or an STS assumed-role ARN. STS ARNs drop the role's path,
 * so roles match on account and name only, whatever the path or session.
 */
export function roleKey(arn: string): string | null {
  const role = /^arn:aws[\w-]*:iam::(\d+):role\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (role) return `${role[1]}:${role[2]}`;
  const assumed = /^arn:aws[\w-]*:sts::(\d+):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return assumed ? `${assumed[1]}:${assumed[2]}` : null;
}

/**
 * The cloud identities a service account's annotations give its pods, keyed as callers' identities
 * are keyed by `cloudIdentityKeys`. An IRSA role is named by its ARN, not a session: sessions change
 * with every SDK client, the evidence does not.
 */
function workloadIdentityBindings(annotations: Record<string, string>) {
  const bindings: { key: string; why: string }[] = [];
  const roleArn = annotations[IRSA_ROLE_ANNOTATION];
  const role = roleArn ? roleKey(roleArn) : null;
  if (role) bindings.push({ key: `aws:${role}`, why: `IRSA: caller assumed ${roleArn}` });
  const gsa = annotations[GKE_SERVICE_ACCOUNT_ANNOTATION];
  if (gsa) {
    bindings.push({ key: `gcp:${gsa.toLowerCase()}`, why: `GKE workload identity ${gsa}` });
    const accountId = gsa.split('@')[0]!.toLowerCase();
    const why = `caller ${accountId} is the account id of GKE workload identity ${gsa}`;
    bindings.push({ key: `gcp-id:${accountId}`, why });
  }
  const clientId = annotations[AZURE_CLIENT_ID_ANNOTATION];
  if (clientId) {
    const why = `Azure workload identity client ${clientId}`;
    bindings.push({ key: `azure:${clientId.toLowerCase()}`, why });
  }
  return bindings;
}

function cloudIdentityKeys(identity: CallerIdentity): string[] {
  const keys: string[] = [];
  const role = identity.awsPrincipal ? roleKey(identity.awsPrincipal) : null;
  if (role) keys.push(`aws:${role}`);
  if (identity.gcpPrincipal) keys.push(`gcp:${identity.gcpPrincipal.toLowerCase()}`);
  // Vertex request labels cannot hold `@` or `.`: a caller label names a Google service account
  // by its account id, the part before the `@`.
  if (identity.gcpPrincipal && /^[a-z][a-z0-9-]*$/i.test(identity.gcpPrincipal)) {
    keys.push(`gcp-id:${identity.gcpPrincipal.toLowerCase()}`);
  }
  if (identity.azurePrincipal) keys.push(`azure:${identity.azurePrincipal.toLowerCase()}`);
  return keys;
}

/** GKE workload identity federation without a Google service account names the pod's own KSA. */
function gkeFederatedServiceAccount(principal: string | undefined): string | undefined {
  const m = principal
    ? /^principal:\/\/iam\.googleapis\.com\/.+\.svc\.id\.goog\/subject\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(
        principal,
      )
    : null;
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** `namespace/name` of the service account in a Kubernetes SPIFFE id (`.../ns/<ns>/sa/<sa>`). */
function spiffeServiceAccount(id: string | undefined): string | undefined {
  const m = id ? /^spiffe:\/\/[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(id) : null;
  return m ? `${m[1]}/${m[2]}` : undefined;
}

// AttributionPolicy applied to the graph: which policy governs a slice of spend (by the namespace
// of its service and its account), with that policy's evidence weights, its explicit overrides and
// its minimum confidence. Overlapping policies are reported, and settled by the narrower scope.
import { edge, pathConfidence, type Attribution, type EvidenceKind } from './evidence.js';
import { AttributionGraph, type GraphInputs, type GraphProblem } from './graph.js';
import type { CallerIdentity, UsageEvent } from './model.js';
import type { AttributionPolicy, SharedService } from './resources.js';

/** What reconciliation asks of the attribution graph. */
export interface Resolver {
  epochOf(at?: string): number;
  resolveEvent(event: UsageEvent): Attribution | null;
  resolveCaller(
    identity: CallerIdentity,
    service?: string,
    at?: string,
    account?: string,
  ): Attribution | null;
  accountOwner(account: string): Attribution | null;
  /** The shared service a request's attribution names, when its spend passes to its callers. */
  sharedService?(attribution: Attribution): SharedService | null;
}

/** An explicit override is the platform team's word: strong, but still not certainty. */
const OVERRIDE_CONFIDENCE = '0.95';

/** The graph's inputs; `weights` apply where no policy sets its own. */
export type PolicyInputs = GraphInputs;

export class PolicyResolver implements Resolver {
  private readonly overlapProblems: GraphProblem[] = [];
  private readonly base: AttributionGraph;
  private readonly policies: AttributionPolicy[];
  private readonly graphs = new Map<string, AttributionGraph>();
  private readonly overlaps = new Set<string>();

  constructor(inputs: PolicyInputs) {
    const graphInputs: GraphInputs = { ...inputs };
    this.base = new AttributionGraph(graphInputs);
    this.policies = [...inputs.state.policies].sort((a, b) =>
      a.metadata.name < b.metadata.name ? -1 : 1,
    );
    for (const policy of this.policies) {
      const weights = policy.spec.evidenceWeights as Partial<Record<EvidenceKind, string>>;
      const own = weights ? { ...inputs.weights, ...weights } : inputs.weights;
      this.graphs.set(policy.metadata.name, new AttributionGraph({ ...graphInputs, weights: own }));
    }
  }

  /** What the cluster state and the policies got wrong: broken references, ties, overlaps. */
  get problems(): GraphProblem[] {
    const all = [this.base, ...this.graphs.values()].flatMap((g) => g.problems);
    const seen = new Set<string>();
    const unique = all.filter((p) => {
      const key = `${p.origin.file}:${p.origin.line}:${p.reason}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
    return [...unique, ...this.overlapProblems];
  }

  epochOf(at?: string): number {
    return this.base.epochOf(at);
  }

  /** The moments the cluster changed, ascending: each starts a new snapshot of it. */
  changes(): readonly string[] {
    return this.base.changes();
  }

  resolveEvent(event: UsageEvent): Attribution | null {
    return this.resolveCaller(event.identity ?? {}, event.service, event.timestamp, event.account);
  }

  resolveCaller(
    identity: CallerIdentity,
    service?: string,
    at?: string,
    account?: string,
  ): Attribution | null {
    // Weights change how strong a path is, never where it leads: the base graph finds the
    // service, whose namespace and account choose the policy.
    const found = this.base.resolveCaller(identity, service, at);
    const policy = this.policyFor(found?.service ?? null, account);
    const resolved = policy
      ? this.graphs.get(policy.metadata.name)!.resolveCaller(identity, service, at)
      : found;
    return this.finish(policy, resolved, account);
  }

  accountOwner(account: string): Attribution | null {
    const policy = this.policyFor(null, account);
    const graph = policy ? this.graphs.get(policy.metadata.name)! : this.base;
    return this.finish(policy, graph.accountOwner(account), account);
  }

  sharedService(attribution: Attribution): SharedService | null {
    if (!attribution.service) return null;
    for (const policy of this.policies) {
      const shared = policy.spec.sharedServices?.find((s) => s.service === attribution.service);
      if (shared) return shared;
    }
    return null;
  }

  /** Overrides first, most specific match winning; then the minimum confidence. */
  private finish(
    policy: AttributionPolicy | null,
    attribution: Attribution | null,
    account: string | undefined,
  ): Attribution | null {
    if (!policy) return attribution;
    const overridden = this.override(policy, attribution, account);
    const result = overridden ?? attribution;
    const minimum = policy.spec.minConfidence;
    if (!result?.costCenter || !minimum) return result;

    const confidence = pathConfidence(result.edges);
    if (confidence.greaterThanOrEqualTo(minimum)) return result;
    const why =
      `below the minimum confidence ${minimum} of AttributionPolicy ${policy.metadata.name}: ` +
      `CostCenter ${result.costCenter} at ${confidence.toDecimalPlaces(4).toString()}`;
    return { ...result, costCenter: null, edges: [...result.edges, edge('1', why)] };
  }

  private override(
    policy: AttributionPolicy,
    attribution: Attribution | null,
    account: string | undefined,
  ): Attribution | null {
    const overrides = policy.spec.overrides ?? [];
    const byService = attribution?.service
      ? overrides.find((o) => o.match.service === attribution.service)
      : undefined;
    const byPerson = attribution?.person
      ? overrides.find((o) => o.match.person?.toLowerCase() === attribution.person!.toLowerCase())
      : undefined;
    const byAccount = account ? overrides.find((o) => o.match.account === account) : undefined;
    const chosen = byService ?? byPerson ?? byAccount;
    if (!chosen) return null;

    const what = byService
      ? `service ${chosen.match.service}`
      : byPerson
        ? `person ${chosen.match.person}`
        : `account ${chosen.match.account}`;
    const why = `AttributionPolicy ${policy.metadata.name} overrides ${what} -> CostCenter ${chosen.costCenter}`;
    // The steps that identified the service or person still hold; the CostCenter step is replaced.
    const identifying = (attribution?.edges ?? []).slice(
      0,
      byAccount && !byService && !byPerson ? 0 : 1,
    );
    return {
      costCenter: chosen.costCenter,
      service: attribution?.service ?? null,
      team: null,
      person: attribution?.person ?? null,
      edges: [...identifying, edge(OVERRIDE_CONFIDENCE, why)],
    };
  }

  /** The policy whose scope covers the spend; the narrowest when several do, reported. */
  private policyFor(service: string | null, account: string | undefined): AttributionPolicy | null {
    const namespace = service?.split('/')[0];
    const covering = this.policies.filter((p) => {
      const scope = p.spec.scope ?? {};
      if (scope.namespaces && (!namespace || !scope.namespaces.includes(namespace))) return false;
      if (scope.accounts && (!account || !scope.accounts.includes(account))) return false;
      return true;
    });
    if (covering.length <= 1) return covering[0] ?? null;

    const narrowness = (p: AttributionPolicy) =>
      (p.spec.scope?.namespaces ? 2 : 0) + (p.spec.scope?.accounts ? 1 : 0);
    const sorted = [...covering].sort((a, b) => narrowness(b) - narrowness(a));
    const names = covering.map((p) => p.metadata.name).join(', ');
    if (!this.overlaps.has(names)) {
      this.overlaps.add(names);
      this.overlapProblems.push({
        origin: sorted[0]!.origin,
        fieldPath: ['spec', 'scope'],
        reason: `AttributionPolicies ${names} overlap; ${sorted[0]!.metadata.name} applies where they do`,
      });
    }
    return sorted[0]!;
  }
}

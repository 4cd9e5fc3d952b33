// The identity and org-hierarchy layers: who a caller is (SCIM users found by userName, email,
// IAM user name or role session name) and which CostCenter a person's place in the org points to.
import { edge, type Attribution, type Edge, type EvidenceKind } from './evidence.js';
import type { Group, Person } from './model.js';
import type { CostCenter } from './resources.js';

const MAX_MANAGER_DEPTH = 20;

/** How sure an identity match is, by what matched. */
const IDENTITY_MATCH = {
  /** The caller names the user exactly (userName or email). */
  exact: '1',
  /** A role session named after the user, as identity federation sets it. */
  roleSession: '0.95',
  /** An IAM user whose name is the local part of the user's userName or email. */
  localPart: '0.90',
} as const;

export interface PersonMatch {
  person: Person;
  edge: Edge;
}

/** Team and people names compare without case, and `@org/team` names the team `team`. */
export function teamKey(name: string): string {
  const bare = name.trim().replace(/^@/, '');
  return bare.slice(bare.lastIndexOf('/') + 1).toLowerCase();
}

export class People {
  private readonly byName = new Map<string, Person>();
  private readonly byLocalPart = new Map<string, Person[]>();
  private readonly byId = new Map<string, Person>();
  private readonly groupsOf = new Map<string, Set<string>>();

  constructor(
    people: Person[],
    groups: Group[],
    private readonly costCenters: CostCenter[],
    private readonly weights: Record<EvidenceKind, string>,
  ) {
    for (const person of people) {
      this.byId.set(person.id, person);
      for (const name of [person.userName, ...person.emails]) {
        const key = name.toLowerCase();
        if (!this.byName.has(key)) this.byName.set(key, person);
        const local = key.split('@')[0]!;
        const list = this.byLocalPart.get(local) ?? [];
        if (!list.includes(person)) list.push(person);
        this.byLocalPart.set(local, list);
      }
      this.groupsOf.set(person.id, new Set(person.groups.map(teamKey)));
    }
    for (const group of groups) {
      for (const member of group.memberIds) {
        this.groupsOf.get(member)?.add(teamKey(group.displayName));
      }
    }
  }

  /** The person a caller's user name or email names. */
  byUser(user: string): PersonMatch | null {
    const person = this.byName.get(user.toLowerCase());
    if (!person) return null;
    return { person, edge: edge(IDENTITY_MATCH.exact, `user ${user} is ${describe(person)}`) };
  }

  /** The person behind an IAM user ARN or an assumed-role ARN whose session names them. */
  byAwsPrincipal(arn: string): PersonMatch | null {
    const assumed = /^arn:aws[\w-]*:sts::\d+:assumed-role\/[^/]+\/(.+)$/.exec(arn);
    if (assumed) {
      const person = this.byName.get(assumed[1]!.toLowerCase());
      if (!person) return null;
      const why = `role session ${assumed[1]} in ${arn} is ${describe(person)}`;
      return { person, edge: edge(IDENTITY_MATCH.roleSession, why) };
    }
    const user = /^arn:aws[\w-]*:iam::\d+:user\/(?:.*\/)?([^/]+)$/.exec(arn);
    if (!user) return null;
    const candidates = this.byLocalPart.get(user[1]!.toLowerCase()) ?? [];
    // Two people sharing a local part is not evidence for either of them.
    if (candidates.length !== 1) return null;
    const person = candidates[0]!;
    const why = `IAM user ${user[1]} in ${arn} is ${describe(person)}`;
    return { person, edge: edge(IDENTITY_MATCH.localPart, why) };
  }

  /** The CostCenter a person's own attributes point to, else their nearest manager's. */
  costCenterOf(person: Person): Omit<Attribution, 'service'> | null {
    const own = this.directCostCenter(person);
    if (own) {
      const why = `${own.reason} (${person.source.file}:${person.source.line})`;
      return { ...own.found, edges: [edge(this.weights.personCostCenter, why)] };
    }

    const chain = [person.userName];
    const seen = new Set([person.id]);
    let current = person;
    for (let depth = 0; depth < MAX_MANAGER_DEPTH && current.managerId; depth++) {
      const manager = this.byId.get(current.managerId);
      if (!manager || seen.has(manager.id)) return null;
      seen.add(manager.id);
      chain.push(manager.userName);
      const found = this.directCostCenter(manager);
      if (found) {
        const why = `manager chain ${chain.join(' -> ')}: ${found.reason}`;
        return {
          ...found.found,
          person: person.userName,
          edges: [edge(this.weights.managerChain, why)],
        };
      }
      current = manager;
    }
    return null;
  }

  private directCostCenter(
    person: Person,
  ): { found: Omit<Attribution, 'service' | 'edges'>; reason: string } | null {
    const who = person.userName;
    const teams = this.groupsOf.get(person.id) ?? new Set<string>();
    const found = (cc: CostCenter, team: string | null, reason: string) => ({
      found: { costCenter: cc.metadata.name, team, person: who },
      reason,
    });

    for (const cc of this.costCenters) {
      const code = person.costCenter?.toLowerCase();
      if (code && (cc.spec.code?.toLowerCase() === code || cc.metadata.name === code)) {
        return found(
          cc,
          firstOwnedTeam(cc, teams),
          `SCIM costCenter ${person.costCenter} of ${who}`,
        );
      }
    }
    for (const cc of this.costCenters) {
      const owners = (cc.spec.owners?.people ?? []).map((p) => p.toLowerCase());
      const names = [who, ...person.emails].map((n) => n.toLowerCase());
      if (names.some((n) => owners.includes(n))) {
        return found(
          cc,
          firstOwnedTeam(cc, teams),
          `${who} is an owner of CostCenter ${cc.metadata.name}`,
        );
      }
    }
    for (const cc of this.costCenters) {
      const team = firstOwnedTeam(cc, teams);
      if (team) return found(cc, team, `${who} is a member of team ${team}`);
    }
    const department = person.department ? teamKey(person.department) : null;
    for (const cc of this.costCenters) {
      if (!department) break;
      const owned = (cc.spec.owners?.teams ?? []).map(teamKey);
      const names = [...owned, teamKey(cc.spec.displayName ?? ''), cc.metadata.name.toLowerCase()];
      if (names.includes(department)) {
        return found(
          cc,
          owned.includes(department) ? department : null,
          `SCIM department ${person.department} of ${who}`,
        );
      }
    }
    return null;
  }
}

function firstOwnedTeam(cc: CostCenter, teams: Set<string>): string | null {
  return (cc.spec.owners?.teams ?? []).map(teamKey).find((t) => teams.has(t)) ?? null;
}

function describe(person: Person): string {
  const inactive = person.active ? '' : ' (inactive)';
  return `SCIM user ${person.userName}${inactive}`;
}

// CostCenters form a tree through `spec.parent`: a parent's spend is its own and all its
// descendants'. A cycle has no root to roll up to and is refused; a parent that names no
// CostCenter is reported by the graph and leaves its child a root here.
import type { CostCenter } from './resources.js';

export class BudgetHierarchyError extends Error {
  constructor(
    readonly code: 'COST_CENTER_CYCLE',
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'BudgetHierarchyError';
  }
}

export class CostCenterTree {
  /** The present version of each CostCenter, by name. */
  readonly byName = new Map<string, CostCenter>();
  private readonly parents = new Map<string, string>();
  private readonly children = new Map<string, string[]>();

  constructor(costCenters: CostCenter[]) {
    // Versions come oldest first; the last one is the present state.
    for (const cc of costCenters) this.byName.set(cc.metadata.name, cc);
    for (const [name, cc] of this.byName) {
      const parent = cc.spec.parent;
      if (!parent || !this.byName.has(parent)) continue;
      this.parents.set(name, parent);
      this.children.set(parent, [...(this.children.get(parent) ?? []), name]);
    }
    for (const name of [...this.byName.keys()].sort()) this.ancestors(name);
  }

  parentOf(name: string): string | null {
    return this.parents.get(name) ?? null;
  }

  /** Parent first, then its parent, up to the root. */
  ancestors(name: string): string[] {
    const chain: string[] = [];
    for (let at = this.parents.get(name); at !== undefined; at = this.parents.get(at)) {
      if (at === name || chain.includes(at)) {
        const cycle =
          at === name ? [name, ...chain, name] : [...chain.slice(chain.indexOf(at)), at];
        const cc = this.byName.get(cycle[0]!)!;
        throw new BudgetHierarchyError(
          'COST_CENTER_CYCLE',
          `${cc.origin.file}:${cc.origin.line}: spec.parent: CostCenter ${cycle[0]} is its own ` +
            `ancestor (${cycle.join(' -> ')}); spend cannot roll up a cycle`,
          cc.origin.file,
          cc.origin.line,
        );
      }
      chain.push(at);
    }
    return chain;
  }

  /** The CostCenter and everything below it. */
  subtree(name: string): Set<string> {
    const found = new Set<string>([name]);
    const queue = [name];
    while (queue.length > 0) {
      for (const child of this.children.get(queue.pop()!) ?? []) {
        if (found.has(child)) continue;
        found.add(child);
        queue.push(child);
      }
    }
    return found;
  }
}

// Evidence and confidence. Each edge of an attribution path carries what proved it and how strongly;
// a path is as strong as the product of its edges, and never certain.
import { Money } from './money.js';

export type EvidenceKind =
  | 'workloadAnnotation'
  | 'namespaceAnnotation'
  | 'selector'
  | 'workloadIdentity'
  | 'codeowners'
  | 'personCostCenter'
  | 'managerChain'
  | 'account';

/** Default strengths of each kind of evidence; an AttributionPolicy may override them. */
export const DEFAULT_EVIDENCE_WEIGHTS: Readonly<Record<EvidenceKind, string>> = {
  workloadAnnotation: '0.95',
  namespaceAnnotation: '0.90',
  selector: '0.90',
  workloadIdentity: '0.90',
  codeowners: '0.80',
  personCostCenter: '0.70',
  managerChain: '0.60',
  account: '0.50',
};

export const CONFIDENCE_CAP = new Money('0.95');
const ONE = new Money(1);

/** One step from spend toward its cost center. */
export interface Edge {
  confidence: Money;
  /** What proved the step, for a person: which annotation, log field or CODEOWNERS line. */
  evidence: string;
  /** When the object behind the step took the form that proves it, where the history says. */
  validFrom?: string;
  /** When a later version of that object replaced it; absent while it still holds. */
  validUntil?: string;
}

/** Where a slice of spend lands, and the edges that took it there. */
export interface Attribution {
  costCenter: string | null;
  service: string | null;
  team: string | null;
  person: string | null;
  edges: Edge[];
}

export function edge(confidence: Money | string, evidence: string): Edge {
  return { confidence: new Money(confidence), evidence };
}

/** The product of the edges' confidences, capped: Argmin never asserts certainty. */
export function pathConfidence(edges: Edge[]): Money {
  const product = edges.reduce((p, e) => p.times(e.confidence), ONE);
  return Money.min(product, CONFIDENCE_CAP);
}

export function confidenceNumber(confidence: Money): number {
  return confidence.toDecimalPlaces(4).toNumber();
}

/** The stronger of two attributions; on a tie, the one found first. */
export function stronger(a: Attribution | null, b: Attribution | null): Attribution | null {
  if (!a) return b;
  if (!b) return a;
  return pathConfidence(b.edges).greaterThan(pathConfidence(a.edges)) ? b : a;
}

export const UNATTRIBUTED: Attribution = {
  costCenter: null,
  service: null,
  team: null,
  person: null,
  edges: [],
};

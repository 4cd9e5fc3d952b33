// Server-side printing for `kubectl get`: a `meta.k8s.io/v1` Table whose columns are the CRD's
// additionalPrinterColumns, evaluated with the small JSONPath subset CRDs use in practice
// (`.a.b`, `.a[0]`, `.a[?(@.k=="v")].b`).
import type { ResourceType } from './resource-types.js';
import type { KubeObject } from './object-store.js';

interface Column {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

const NAME_COLUMN: Column = { name: 'Name', type: 'string', jsonPath: '.metadata.name' };
const AGE_COLUMN: Column = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').includes('as=Table');
}

export function toTable(type: ResourceType, objects: KubeObject[], now: Date): unknown {
  const version = type.crd?.spec.versions.find((v) => v.name === type.version);
  const columns = [NAME_COLUMN, ...(version?.additionalPrinterColumns ?? [AGE_COLUMN])];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.name === 'Name' ? 'name' : '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
    rows: objects.map((object) => ({
      cells: columns.map((c) => cell(c, object, now)),
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: object.metadata,
      },
    })),
  };
}

function cell(column: Column, object: KubeObject, now: Date): unknown {
  const value = evaluate(column.jsonPath, object);
  if (value === undefined || value === null) return column.type === 'string' ? '' : null;
  if (column.type === 'date' && typeof value === 'string') return age(Date.parse(value), now);
  return typeof value === 'object' ? JSON.stringify(value) : value;
}

export function evaluate(path: string, root: unknown): unknown {
  let nodes: unknown[] = [root];
  for (const step of path.match(/\.[^.[]+|\[[^\]]*\]/g) ?? []) {
    nodes = nodes.flatMap((node) => apply(step, node));
  }
  return nodes.length === 0 ? undefined : nodes.length === 1 ? nodes[0] : nodes;
}

function apply(step: string, node: unknown): unknown[] {
  if (step.startsWith('.')) {
    const value = (node as Record<string, unknown> | null)?.[step.slice(1)];
    return value === undefined ? [] : [value];
  }
  if (!Array.isArray(node)) return [];
  const index = /^\[(\d+)\]$/.exec(step);
  if (index) return node[Number(index[1])] === undefined ? [] : [node[Number(index[1])]];
  const filter = /^\[\?\(@\.([\w.]+)\s*==\s*["']([^"']*)["']\)\]$/.exec(step);
  if (filter) return node.filter((item) => evaluate(`.${filter[1]}`, item) === filter[2]);
  return node;
}

function age(at: number, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - at) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

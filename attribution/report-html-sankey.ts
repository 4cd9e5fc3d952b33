// Spend as a flow, laid out in Node so the page needs no script: providers to models to services to
// teams to cost centers, and on up the CostCenter tree. Widths follow net billed cost; each link's
// opacity follows its spend-weighted confidence, so a thin guess looks like one.
import { sankey, sankeyLinkHorizontal, type SankeyLink, type SankeyNode } from 'd3-sankey';
import { CostCenterTree } from './budget-hierarchy.js';
import { Money, moneyText, ZERO } from './money.js';
import type { GroupedReport } from './report-query.js';
import type { CostCenter } from './resources.js';

/** The dimensions a flow passes through, left to right; cost centers and their parents follow. */
export const FLOW_DIMENSIONS = ['provider', 'model', 'service', 'team', 'costCenter'] as const;

const WIDTH_PX = 1100;
const NODE_WIDTH_PX = 12;
const NODE_PADDING_PX = 8;
const MIN_HEIGHT_PX = 360;
const HEIGHT_PER_NODE_PX = 22;
const LABEL_ROOM_PX = 210;
const MIN_OPACITY = 0.15;
/** An 11 px label's line height: a shorter node's label would touch its neighbours'. */
const MIN_LABELLED_HEIGHT_PX = 13;
/** Characters of a label that fit between two columns at 11 px; the tooltip has the whole name. */
const MAX_LABEL_CHARS = 24;

const LAYER_NAMES = ['provider', 'model', 'service', 'team', 'cost center'];
const NONE_LABELS = ['(no provider)', '(no model)', '(no service)', '(no team)', '(unattributed)'];
const COLORS = ['#4e79a7', '#76b7b2', '#59a14f', '#edc948', '#e15759'];

interface FlowNode {
  id: string;
  name: string;
  /** Which layer it stands in: the dimension's index, or beyond for CostCenters' parents. */
  column: number;
  kind: string;
  cost: Money;
}

interface FlowLink {
  source: string;
  target: string;
  value: number;
  cost: Money;
  weighted: Money;
  known: Money;
}

export interface Sankey {
  svg: string;
  /** Net cost of paths left out because they are not positive: a flow cannot draw them. */
  undrawn: { paths: number; cost: string };
}

export function renderSankey(flows: GroupedReport, costCenters: CostCenter[]): Sankey {
  const tree = new CostCenterTree(costCenters);
  const depthOf = (name: string) => tree.ancestors(name).length;
  const maxDepth = Math.max(0, ...costCenters.map((c) => depthOf(c.metadata.name)));
  const nodes = new Map<string, FlowNode>();
  const links = new Map<string, FlowLink>();
  let undrawnPaths = 0;
  let undrawnCost = ZERO;

  const node = (id: string, name: string, column: number, kind: string, cost: Money) => {
    const known = nodes.get(id);
    if (known) known.cost = known.cost.plus(cost);
    else nodes.set(id, { id, name, column, kind, cost });
    return id;
  };
  const link = (source: string, target: string, cost: Money, confidence: number | null) => {
    const key = `${source}\u0000${target}`;
    const known = links.get(key) ?? {
      source,
      target,
      value: 0,
      cost: ZERO,
      weighted: ZERO,
      known: ZERO,
    };
    known.cost = known.cost.plus(cost);
    known.value = known.cost.toNumber();
    if (confidence !== null) {
      known.weighted = known.weighted.plus(cost.times(confidence));
      known.known = known.known.plus(cost);
    }
    links.set(key, known);
  };

  // Each path's cost counts once in every node it passes, so node values are the flows through it.
  for (const group of flows.groups) {
    if (group.basis !== 'billed') continue;
    const cost = new Money(group.cost);
    if (!cost.isPositive()) {
      undrawnPaths++;
      undrawnCost = undrawnCost.plus(cost);
      continue;
    }
    const ids = FLOW_DIMENSIONS.map((d, i) => {
      const value = group.key[d] ?? null;
      const column = d === 'costCenter' && value !== null ? costCenterColumn(value) : i;
      const kind = d === 'costCenter' ? 'costCenter' : d;
      return node(`${d}:${value ?? ''}`, value ?? NONE_LABELS[i]!, column, kind, cost);
    });
    for (let i = 1; i < ids.length; i++) link(ids[i - 1]!, ids[i]!, cost, group.confidence);
    const costCenter = group.key.costCenter ?? null;
    if (costCenter === null) continue;
    let below = ids[ids.length - 1]!;
    for (const ancestor of tree.ancestors(costCenter)) {
      const id = node(
        `costCenter:${ancestor}`,
        ancestor,
        costCenterColumn(ancestor),
        'costCenter',
        cost,
      );
      link(below, id, cost, group.confidence);
      below = id;
    }
  }

  function costCenterColumn(name: string): number {
    // Leaves stand nearest the teams; each parent a column to the right of its deepest child.
    return FLOW_DIMENSIONS.length - 1 + (tree.byName.has(name) ? maxDepth - depthOf(name) : 0);
  }

  const height = Math.max(MIN_HEIGHT_PX, HEIGHT_PER_NODE_PX * maxColumnSize(nodes));
  const layout = sankey<FlowNode, FlowLink>()
    .nodeId((n) => n.id)
    .nodeAlign((n) => n.column)
    .nodeWidth(NODE_WIDTH_PX)
    .nodePadding(NODE_PADDING_PX)
    .nodeSort((a, b) => b.cost.comparedTo(a.cost) || (a.id < b.id ? -1 : 1))
    .extent([
      [1, 24],
      [WIDTH_PX - LABEL_ROOM_PX, height - 4],
    ]);
  const graph = layout({
    nodes: [...nodes.values()].map((n) => ({ ...n })),
    links: [...links.values()].map((l) => ({ ...l })),
  });

  const path = sankeyLinkHorizontal<FlowNode, FlowLink>();
  const linkSvg = graph.links
    .slice()
    .sort((a, b) => b.value - a.value)
    .map((l) => linkElement(l, path(l) ?? ''));
  const nodeSvg = graph.nodes.map(nodeElement);
  const columns = Math.max(0, ...graph.nodes.map((n) => n.column)) + 1;
  const headers = Array.from({ length: columns }, (_, i) => {
    const x = 1 + (i * (WIDTH_PX - LABEL_ROOM_PX - NODE_WIDTH_PX - 1)) / Math.max(1, columns - 1);
    const name = LAYER_NAMES[Math.min(i, LAYER_NAMES.length - 1)]!;
    const label = i >= LAYER_NAMES.length ? 'parent cost center' : name;
    return `<text class="column" x="${x.toFixed(1)}" y="12">${label}</text>`;
  });
  const svg = [
    `<svg class="sankey" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH_PX} ${height}"`,
    ` width="${WIDTH_PX}" height="${height}" role="img" aria-label="Spend flow">`,
    ...headers,
    `<g class="links" fill="none">`,
    ...linkSvg,
    `</g><g class="nodes">`,
    ...nodeSvg,
    `</g></svg>`,
  ].join('\n');
  return { svg, undrawn: { paths: undrawnPaths, cost: moneyText(undrawnCost) } };
}

function maxColumnSize(nodes: Map<string, FlowNode>): number {
  const sizes = new Map<number, number>();
  for (const n of nodes.values()) sizes.set(n.column, (sizes.get(n.column) ?? 0) + 1);
  return Math.max(0, ...sizes.values());
}

function linkElement(l: SankeyLink<FlowNode, FlowLink>, d: string): string {
  const source = l.source as SankeyNode<FlowNode, FlowLink>;
  const target = l.target as SankeyNode<FlowNode, FlowLink>;
  const confidence = l.known.isZero() ? null : l.weighted.dividedBy(l.known).toNumber();
  const opacity = opacityOf(confidence);
  const color = COLORS[Math.min(source.column, COLORS.length - 1)]!;
  const title = `${source.name} → ${target.name}: ${l.cost.toFixed(2)}, ${confidenceText(confidence)}`;
  return (
    `<path class="link" d="${d}" stroke="${color}" stroke-width="${Math.max(1, l.width ?? 0).toFixed(2)}"` +
    ` stroke-opacity="${opacity}" data-source="${escapeXml(source.id)}"` +
    ` data-target="${escapeXml(target.id)}" data-cost="${moneyText(l.cost)}"` +
    ` data-confidence="${confidence === null ? '' : confidence.toFixed(3)}">` +
    `<title>${escapeXml(title)}</title></path>`
  );
}

function nodeElement(n: SankeyNode<FlowNode, FlowLink>): string {
  const x0 = n.x0 ?? 0;
  const y0 = n.y0 ?? 0;
  const h = Math.max(1, (n.y1 ?? 0) - y0);
  const color = COLORS[Math.min(n.column, COLORS.length - 1)]!;
  const amount = n.cost.toFixed(2);
  const room = MAX_LABEL_CHARS - amount.length - 1;
  const name = n.name.length > room ? `${n.name.slice(0, Math.max(1, room - 1))}…` : n.name;
  const label = `${name} ${amount}`;
  // A label taller than its node would sit on its neighbours'; the node's tooltip still names it.
  const text =
    n.kind === 'costCenter' || h >= MIN_LABELLED_HEIGHT_PX
      ? `<text class="label" x="${(x0 + NODE_WIDTH_PX + 4).toFixed(1)}" y="${(y0 + h / 2).toFixed(1)}"` +
        ` dominant-baseline="middle">${escapeXml(label)}</text>`
      : '';
  return (
    `<g class="node" data-kind="${n.kind}" data-name="${escapeXml(n.name)}"` +
    ` data-cost="${moneyText(n.cost)}">` +
    `<rect x="${x0.toFixed(1)}" y="${y0.toFixed(1)}" width="${NODE_WIDTH_PX}" height="${h.toFixed(1)}"` +
    ` fill="${color}"><title>${escapeXml(`${n.name} ${amount}`)}</title></rect>${text}</g>`
  );
}

export function opacityOf(confidence: number | null): string {
  const c = confidence ?? 0;
  return (MIN_OPACITY + (1 - MIN_OPACITY) * Math.min(1, Math.max(0, c) / 0.95)).toFixed(3);
}

export function confidenceText(confidence: number | null): string {
  return confidence === null ? 'confidence n/a' : `confidence ${confidence.toFixed(2)}`;
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

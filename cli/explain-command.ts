// `argmin explain <id> [dir]`: why a request or a bill line landed where it did. With a folder, the
// folder is attributed first, as `argmin attribute` does; without one, the latest run in the store
// at DATABASE_URL is read.
import { Command, Option } from 'commander';
import { Store, type CallerRef, type EdgeView, type PathView } from '../attribution/index.js';
import { attributeFolder } from './attribute-command.js';
import {
  explain,
  findRun,
  type CostRowExplanation,
  type Explanation,
  type RequestExplanation,
} from './explanation.js';

interface CommandOptions {
  format: 'text' | 'json';
  databaseUrl?: string;
}

export function explainCommand(): Command {
  return new Command('explain')
    .description('show the path from a request or a bill line to its cost center, and what lost')
    .argument('<id>', 'a request id, or the id of a bill line (its line item id)')
    .argument('[dir]', 'folder of manifests to attribute first, as argmin attribute does')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    )
    .option(
      '--database-url <url>',
      'PostgreSQL to use instead of the embedded store',
      process.env.DATABASE_URL || undefined,
    )
    .action(async (id: string, dir: string | undefined, options: CommandOptions) => {
      if (dir === undefined && !options.databaseUrl) {
        throw new Error('explain needs a folder to attribute, or DATABASE_URL with a run to read');
      }
      const store = await Store.open(options.databaseUrl);
      try {
        let runId: number | undefined;
        if (dir !== undefined) {
          const { result, quarantined } = await attributeFolder(dir, store);
          if (quarantined.length > 0) {
            process.stderr.write(`argmin: ${quarantined.length} inputs quarantined\n`);
          }
          runId = result.runId;
        }
        const explanation = await explain(store, await findRun(store, runId), id);
        process.stdout.write(
          options.format === 'json'
            ? `${JSON.stringify(explanation, null, 2)}\n`
            : renderExplanation(explanation),
        );
      } finally {
        await store.close();
      }
    });
}

export function renderExplanation(e: Explanation): string {
  return (e.kind === 'request' ? renderRequest(e) : renderCostRow(e)).join('\n') + '\n';
}

function renderRequest(e: RequestExplanation): string[] {
  const r = e.request;
  const tokens = (['inputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'outputTokens'] as const)
    .filter((c) => r[c] !== undefined)
    .map((c) => `${c} ${r[c]}`)
    .join(', ');
  const out = [
    `request ${e.id} at ${r.timestamp}: ${r.provider} ${r.model ?? '(no model)'}` +
      (tokens ? `, ${tokens}` : ''),
    `  caller: ${callerText(e.caller)}`,
    ...(e.recorded
      ? [`  path held ${interval(e.heldFrom, e.heldUntil)}`, ...pathLines(e.path, '  ', 'request')]
      : [`  attribution run ${e.run.id} kept no path for this caller: the request is outside it`]),
    ...alternativeLines(e.alternatives, '  '),
  ];
  if (e.lines.length > 0) {
    out.push(`  bill lines its group shared in, with the group's slice (run ${e.run.id}):`);
    for (const l of e.lines) {
      out.push(
        `    ${l.costRowId} (${l.connector}, ${l.chargePeriodStart}): ${l.cost} ${e.run.currency}`,
      );
    }
    if (e.linesNotShown > 0) out.push(`    and ${e.linesNotShown} more`);
  } else {
    out.push('  no bill line was distributed to its group in this run');
  }
  return out;
}

function renderCostRow(e: CostRowExplanation): string[] {
  const out: string[] = [];
  for (const line of e.lines) {
    const at = line.line === null ? line.file : `${line.file}:${line.line}`;
    out.push(
      `cost row ${line.costRowId} (${line.connector}, ${at}): ${line.billedCost} ${e.run.currency} ` +
        `${line.chargeCategory} ${line.model ?? ''}`.trimEnd(),
      `  charged ${interval(line.chargePeriod.start, line.chargePeriod.end)}, attribution run ${e.run.id}`,
    );
    line.slices.forEach((s, i) => {
      const over = s.requests > 0 ? ` over ${s.requests} requests` : '';
      out.push(`  slice ${i + 1}: ${s.cost} ${e.run.currency}${over}`);
      const chosen: PathView = { ...s, edges: s.edges };
      out.push(
        ...pathLines(chosen, '    ', s.requests > 0 ? 'bill line -> requests' : 'bill line'),
      );
      for (const c of s.callers) {
        const more = c.count > c.examples.length ? ` and ${c.count - c.examples.length} more` : '';
        out.push(
          `    ${c.count === 1 ? 'caller' : `${c.count} callers`}, held ${interval(c.heldFrom, c.heldUntil)}:`,
        );
        for (const ref of c.examples) out.push(`      ${callerText(ref)}`);
        if (more) out.push(`     ${more}`);
        out.push(...alternativeLines(c.alternatives, '      '));
      }
      if (s.callers.every((c) => c.alternatives.length === 0)) out.push('    no path lost to it');
    });
  }
  return out;
}

function pathLines(path: PathView | null, indent: string, from: string): string[] {
  if (!path) return [`${indent}path: none; nothing places this caller, so it is unattributed`];
  const chain = [
    from,
    path.service && `service ${path.service}`,
    path.team && `team ${path.team}`,
    path.person && `person ${path.person}`,
    path.costCenter ? `CostCenter ${path.costCenter}` : 'the unattributed bucket',
  ].filter(Boolean);
  const out = [`${indent}path: ${chain.join(' -> ')}, confidence ${path.confidence}`];
  path.edges.forEach((edge, i) => out.push(`${indent}  ${i + 1}. ${edgeText(edge)}`));
  return out;
}

function alternativeLines(alternatives: PathView[], indent: string): string[] {
  if (alternatives.length === 0) return [];
  const out = [`${indent}alternatives that lost:`];
  for (const a of alternatives) {
    out.push(`${indent}  CostCenter ${a.costCenter ?? '(none)'}, confidence ${a.confidence}`);
    a.edges.forEach((edge) => out.push(`${indent}    - ${edgeText(edge)}`));
  }
  return out;
}

function edgeText(edge: EdgeView): string {
  const held =
    edge.validFrom || edge.validUntil
      ? `, held ${interval(edge.validFrom ?? null, edge.validUntil ?? null)}`
      : '';
  return `${edge.evidence} [confidence ${edge.confidence}${held}]`;
}

function interval(from: string | null, until: string | null): string {
  return `from ${from ?? 'the start'} until ${until ?? 'now'}`;
}

function callerText(c: CallerRef): string {
  const parts = Object.entries(c.identity).map(([k, v]) => `${k} ${String(v)}`);
  if (c.service) parts.push(`service ${c.service}`);
  if (c.account) parts.push(`account ${c.account}`);
  return parts.length > 0 ? parts.join(', ') : '(no identity)';
}

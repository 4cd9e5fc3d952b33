import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatProblem, validateCommand, validateFolder } from '../../cli/validate-command.js';
import { RULES_NOT_CHECKED } from '../../crds/index.js';

const SAMPLES = path.resolve(import.meta.dirname, '../../config/samples');

interface Breakage {
  name: string;
  file: string;
  /** Replaced in `file` (its `occurrence`-th appearance, from 0); absent to add `file` whole. */
  from?: string;
  to: string;
  occurrence?: number;
  path: string;
  message: string | RegExp;
  /** Text on the line the problem must point at. */
  lineWith: string;
}

// One sample broken per case; each must be caught with its file, line and field.
const BREAKAGES: Breakage[] = [
  {
    name: 'a negative budget (CEL rule)',
    file: 'cost-centers.yaml',
    from: "amount: '2500.00'",
    to: "amount: '-2500.00'",
    path: 'spec.budget.amount',
    message: 'budget amount must not be negative',
    lineWith: '-2500.00',
  },
  {
    name: 'alert thresholds out of order (CEL rule)',
    file: 'cost-centers.yaml',
    from: 'alertThresholds: [50, 80, 100]',
    to: 'alertThresholds: [80, 50, 100]',
    path: 'spec.budget.alertThresholds',
    message: 'alertThresholds must be in strictly ascending order, e.g. [50, 80, 100]',
    lineWith: '[80, 50, 100]',
  },
  {
    name: 'a sync schedule shorter than 5m (CEL rule)',
    file: 'cloud-connector.yaml',
    from: 'schedule: 6h',
    to: 'schedule: 1m',
    path: 'spec.schedule',
    message: 'schedule must be at least 5m',
    lineWith: 'schedule: 1m',
  },
  {
    name: 'a provider outside the enum (schema)',
    file: 'cloud-connector.yaml',
    from: 'provider: aws',
    to: 'provider: amazon',
    path: 'spec.provider',
    message: 'Unsupported value: "amazon": supported values: "aws", "gcp", "azure"',
    lineWith: 'provider: amazon',
  },
  {
    name: 'a misspelt field the cluster would prune',
    file: 'attribution-policy.yaml',
    from: "minConfidence: '0.6'",
    to: "minConfidance: '0.6'",
    path: 'spec.minConfidance',
    message: /^unknown field/,
    lineWith: 'minConfidance',
  },
  {
    name: 'an apiVersion no CRD serves',
    file: 'cloud-connector.yaml',
    from: 'argmin.io/v1alpha1',
    to: 'argmin.io/v1',
    path: 'kind',
    message: 'no CustomResourceDefinition serves kind CloudConnector in argmin.io/v1',
    lineWith: 'kind: CloudConnector',
  },
  {
    name: 'a namespace on a cluster-scoped resource',
    file: 'attribution-policy.yaml',
    from: '  name: default\n',
    to: '  name: default\n  namespace: argmin-system\n',
    path: 'metadata.namespace',
    message: /^AttributionPolicy is cluster-scoped/,
    lineWith: 'namespace: argmin-system',
  },
  {
    name: 'a Namespace annotation naming no CostCenter',
    file: 'workloads/checkout.yaml',
    from: 'argmin.io/cost-center: payments',
    to: 'argmin.io/cost-center: paymnts',
    path: 'metadata.annotations[argmin.io/cost-center]',
    message: 'CostCenter "paymnts" does not exist; did you mean "payments"?',
    lineWith: 'paymnts',
  },
  {
    name: 'a Deployment annotation naming no CostCenter',
    file: 'workloads/checkout.yaml',
    from: 'argmin.io/cost-center: payments',
    occurrence: 1,
    to: 'argmin.io/cost-center: billing',
    path: 'metadata.annotations[argmin.io/cost-center]',
    message: 'CostCenter "billing" does not exist',
    lineWith: 'billing',
  },
  {
    name: 'a pod template annotation naming no CostCenter',
    file: 'workloads/checkout.yaml',
    from: '      labels:\n        app.kubernetes.io/name: checkout\n    spec:',
    to: '      labels:\n        app.kubernetes.io/name: checkout\n      annotations:\n        argmin.io/cost-center: research\n    spec:',
    path: 'spec.template.metadata.annotations[argmin.io/cost-center]',
    message: 'CostCenter "research" does not exist',
    lineWith: 'research',
  },
  {
    name: 'a parent that does not exist',
    file: 'cost-centers.yaml',
    from: 'parent: engineering',
    to: 'parent: enginering',
    path: 'spec.parent',
    message: 'CostCenter "enginering" does not exist; did you mean "engineering"?',
    lineWith: 'parent: enginering',
  },
  {
    name: 'parents that form a cycle',
    file: 'cost-centers.yaml',
    from: '  displayName: Engineering\n',
    to: '  displayName: Engineering\n  parent: payments\n',
    path: 'spec.parent',
    message: 'parents form a cycle: engineering -> payments -> engineering',
    lineWith: 'parent: payments',
  },
  {
    name: 'an override to a CostCenter that does not exist',
    file: 'attribution-policy.yaml',
    from: 'costCenter: payments',
    to: 'costCenter: finance',
    path: 'spec.overrides[0].costCenter',
    message: 'CostCenter "finance" does not exist',
    lineWith: 'costCenter: finance',
  },
  {
    name: 'a connector source that is not there',
    file: 'cloud-connector.yaml',
    from: 'file://data/cur/',
    to: 'file://data/cru/',
    path: 'spec.sources[0].url',
    message: /source file:\/\/data\/cru\/ not found/,
    lineWith: 'file://data/cru/',
  },
  {
    name: 'a CODEOWNERS file that is not there',
    file: 'attribution-policy.yaml',
    from: 'file://data/CODEOWNERS',
    to: 'file://data/OWNERS',
    path: 'spec.repositories[0].codeowners',
    message: /source file:\/\/data\/OWNERS not found/,
    lineWith: 'file://data/OWNERS',
  },
  {
    name: 'a CostCenter declared twice',
    file: 'more-cost-centers.yaml',
    to: 'apiVersion: argmin.io/v1alpha1\nkind: CostCenter\nmetadata:\n  name: payments\nspec:\n  code: CC-9\n  displayName: Again\n',
    path: 'metadata.name',
    message: /^CostCenter\/payments is declared twice; the first is at .*cost-centers\.yaml:19$/,
    lineWith: 'name: payments',
  },
  {
    name: 'YAML that does not parse',
    file: 'team-a.yaml',
    to: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a: b\n  labels: {}\n',
    path: '',
    message: /^not valid YAML/,
    lineWith: 'team-a: b',
  },
];

async function brokenSamples(b: Breakage): Promise<{ dir: string; text: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'argmin-validate-'));
  await cp(SAMPLES, dir, { recursive: true });
  const file = path.join(dir, b.file);
  let text = b.to;
  if (b.from !== undefined) {
    const original = await readFile(file, 'utf8');
    const parts = original.split(b.from);
    const at = b.occurrence ?? 0;
    expect(parts.length, `${b.file} holds "${b.from}"`).toBeGreaterThan(at + 1);
    text = parts.slice(0, at + 1).join(b.from) + b.to + parts.slice(at + 1).join(b.from);
  }
  await writeFile(file, text);
  return { dir, text };
}

describe('argmin validate', () => {
  it('passes the shipped samples', async () => {
    expect(await validateFolder(SAMPLES)).toEqual([]);
  });

  it.each(BREAKAGES)('catches $name with file, line and path', async (b) => {
    const { dir, text } = await brokenSamples(b);
    // The API server's note that it skipped the CEL rules may follow a schema error.
    const problems = (await validateFolder(dir)).filter((p) => p.message !== RULES_NOT_CHECKED);

    expect(problems).toHaveLength(1);
    const [problem] = problems;
    expect(problem!.file).toBe(path.join(dir, b.file));
    expect(problem!.path).toBe(b.path);
    expect(problem!.message).toMatch(b.message);
    if (b.lineWith !== '') {
      const line = text.split('\n').findIndex((l) => l.includes(b.lineWith)) + 1;
      expect(problem!.line).toBe(line);
    }
  });
});

describe('the validate command', () => {
  const exitCode = process.exitCode;
  afterEach(() => {
    process.exitCode = exitCode;
    vi.restoreAllMocks();
  });

  async function run(dir: string, ...flags: string[]) {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => out.push(String(s)) > 0);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.exitCode = undefined;
    await validateCommand().parseAsync([dir, ...flags], { from: 'user' });
    return { out: out.join(''), code: process.exitCode };
  }

  it('leaves unreachable sources alone with --skip-sources, and still checks the rest', async () => {
    const unreachable = BREAKAGES.find((b) => b.name === 'a connector source that is not there')!;
    const { dir } = await brokenSamples(unreachable);
    expect(await run(dir, '--skip-sources')).toEqual({ out: '', code: undefined });

    const { dir: negative } = await brokenSamples(BREAKAGES[0]!);
    expect((await run(negative, '--skip-sources')).code).toBe(1);
  });

  it('prints nothing and leaves the exit code at 0 for valid manifests', async () => {
    expect(await run(SAMPLES)).toEqual({ out: '', code: undefined });
  });

  it('prints file:line: path: message for each problem and exits 1', async () => {
    const { dir } = await brokenSamples(BREAKAGES[0]!);
    const { out, code } = await run(dir);
    const problem = (await validateFolder(dir))[0]!;
    expect(out).toBe(
      `${path.join(dir, 'cost-centers.yaml')}:${problem.line}: spec.budget.amount: budget amount must not be negative\n`,
    );
    expect(formatProblem(problem)).toBe(out.trimEnd());
    expect(code).toBe(1);
  });
});

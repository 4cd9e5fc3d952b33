// `argmin validate <dir>`: checks a folder of manifests the way the cluster and the operator would
// before anything is applied, so a pipeline can refuse a change before merge. Every problem names
// its file, line and field.
import path from 'node:path';
import { Command } from 'commander';
import { ARGMIN_API_VERSION, COST_CENTER_ANNOTATION } from '../attribution/index.js';
import { listSourceFiles, SourceError } from '../connectors/index.js';
import { validateResource, type PathSegment } from '../crds/index.js';
import { loadManifests, type ManifestDocument } from './manifests.js';

export interface ValidationProblem {
  file: string;
  line: number;
  /** The field at fault, e.g. `spec.budget.alertThresholds`; the object itself when empty. */
  path: string;
  message: string;
}

const ARGMIN_GROUP = ARGMIN_API_VERSION.split('/')[0]!;
/** Kustomize's own files sit beside manifests in most repositories; they are not resources. */
const KUSTOMIZATION_FILE = /(^|[/\\])kustomization\.ya?ml$/i;

export interface ValidateFolderOptions {
  /** Check that connector sources and CODEOWNERS files are there; true unless said otherwise. */
  checkSources?: boolean;
}

/** Every problem in the manifests under `dir`, sorted by file and line. */
export async function validateFolder(
  dir: string,
  options: ValidateFolderOptions = {},
): Promise<ValidationProblem[]> {
  const manifests = await loadManifests(dir);
  const problems: ValidationProblem[] = manifests.problems
    .filter((p) => !KUSTOMIZATION_FILE.test(p.source.file))
    .map((p) => ({
      file: p.source.file,
      line: p.source.line,
      path: p.field ?? '',
      message: p.reason,
    }));

  const resources = manifests.documents.filter((d) => groupOf(d) === ARGMIN_GROUP);
  const invalidAt = new Set<string>();
  for (const doc of resources) {
    for (const problem of resourceProblems(doc)) {
      problems.push(problem);
      invalidAt.add(`${doc.file}:${doc.line}:${problem.path}`);
    }
  }

  const costCenters = new Set(resources.filter(isKind('CostCenter')).map(nameOf));
  problems.push(...duplicateNames(resources));
  problems.push(...annotationProblems(manifests.documents, costCenters));
  problems.push(...parentProblems(resources.filter(isKind('CostCenter')), costCenters));
  problems.push(
    ...policyReferenceProblems(resources.filter(isKind('AttributionPolicy')), costCenters),
  );
  const unchecked = (doc: ManifestDocument, at: string) =>
    !invalidAt.has(`${doc.file}:${doc.line}:${at}`);
  if (options.checkSources !== false) {
    problems.push(...(await reachabilityProblems(resources, unchecked)));
  }

  return problems.sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.path.localeCompare(b.path),
  );
}

export function formatProblem(p: ValidationProblem): string {
  return `${p.file}:${p.line}: ${p.path === '' ? '<object>' : p.path}: ${p.message}`;
}

export function validateCommand(): Command {
  return new Command('validate')
    .description('check a folder of manifests against the CRDs, their CEL rules and each other')
    .argument('<dir>', 'folder of Kubernetes manifests, searched recursively')
    .option(
      '--skip-sources',
      'do not check that source and CODEOWNERS urls are reachable from here (for paths that exist only inside the cluster)',
    )
    .action(async (dir: string, options: { skipSources?: boolean }) => {
      const problems = await validateFolder(dir, { checkSources: !options.skipSources });
      for (const p of problems) process.stdout.write(`${formatProblem(p)}\n`);
      if (problems.length > 0) {
        const noun = problems.length === 1 ? 'problem' : 'problems';
        process.stderr.write(`argmin: ${problems.length} ${noun} in ${dir}\n`);
        process.exitCode = 1;
      }
    });
}

/** The CRD's schema and CEL rules, fields it would prune, and a namespace it would not use. */
function resourceProblems(doc: ManifestDocument): ValidationProblem[] {
  const at = (segments: PathSegment[], shown: string, message: string) => ({
    file: doc.file,
    line: doc.lineOf(segments),
    path: shown,
    message,
  });
  const result = validateResource(doc.object);
  const problems = [
    ...result.problems.map((p) => at(p.segments, p.path, p.message)),
    ...result.unknownFields.map((f) =>
      at(
        f.segments,
        f.path,
        'unknown field: the cluster would drop it, and kubectl apply refuses it',
      ),
    ),
  ];
  if (result.crd?.spec.scope === 'Cluster' && doc.object.metadata?.namespace !== undefined) {
    const message = `${String(doc.object.kind)} is cluster-scoped: remove the namespace; others refer to it by name alone`;
    problems.push(at(['metadata', 'namespace'], 'metadata.namespace', message));
  }
  return problems;
}

function duplicateNames(resources: ManifestDocument[]): ValidationProblem[] {
  const first = new Map<string, ManifestDocument>();
  const problems: ValidationProblem[] = [];
  for (const doc of resources) {
    const key = `${String(doc.object.kind)}/${nameOf(doc)}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, doc);
      continue;
    }
    const message = `${key} is declared twice; the first is at ${earlier.file}:${earlier.line}`;
    problems.push({
      file: doc.file,
      line: doc.lineOf(['metadata', 'name']),
      path: 'metadata.name',
      message,
    });
  }
  return problems;
}

/** `argmin.io/cost-center` on any object, and on the pod templates of workloads. */
function annotationProblems(
  docs: ManifestDocument[],
  costCenters: Set<string>,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const doc of docs) {
    const spec = doc.object.spec as Record<string, unknown> | undefined;
    const places: PathSegment[][] = [
      ['metadata'],
      ['spec', 'template', 'metadata'],
      ['spec', 'jobTemplate', 'spec', 'template', 'metadata'],
    ];
    for (const place of places) {
      const metadata = place[0] === 'metadata' ? doc.object.metadata : dig(spec, place.slice(1));
      const annotations = (metadata as { annotations?: Record<string, unknown> } | undefined)
        ?.annotations;
      const named = annotations?.[COST_CENTER_ANNOTATION];
      if (named === undefined || (typeof named === 'string' && costCenters.has(named))) continue;
      const segments = [...place, 'annotations', COST_CENTER_ANNOTATION];
      problems.push({
        file: doc.file,
        line: doc.lineOf(segments),
        path: `${place.join('.')}.annotations[${COST_CENTER_ANNOTATION}]`,
        message: missingCostCenter(named, costCenters),
      });
    }
  }
  return problems;
}

function parentProblems(docs: ManifestDocument[], costCenters: Set<string>): ValidationProblem[] {
  const parentOf = new Map(docs.map((d) => [nameOf(d), specOf(d).parent]));
  const problems: ValidationProblem[] = [];
  const reported = new Set<string>();
  for (const doc of docs) {
    const parent = specOf(doc).parent;
    if (typeof parent !== 'string') continue;
    const at = { file: doc.file, line: doc.lineOf(['spec', 'parent']), path: 'spec.parent' };
    if (!costCenters.has(parent)) {
      problems.push({ ...at, message: missingCostCenter(parent, costCenters) });
      continue;
    }
    // A CostCenter that is its own parent is refused by its CRD's rule already.
    const cycle = parent === nameOf(doc) ? null : cycleFrom(nameOf(doc), parentOf);
    if (cycle && !cycle.some((n) => reported.has(n))) {
      problems.push({ ...at, message: `parents form a cycle: ${cycle.join(' -> ')}` });
      cycle.forEach((n) => reported.add(n));
    }
  }
  return problems;
}

/** The cycle `start` sits on, from it back to it, or null when its parents end. */
function cycleFrom(start: string, parentOf: Map<string, unknown>): string[] | null {
  const chain = [start];
  for (let next = parentOf.get(start); typeof next === 'string'; next = parentOf.get(next)) {
    if (next === start) return [...chain, start];
    // A cycle further up that does not pass through `start` is reported from its own members.
    if (chain.includes(next)) return null;
    chain.push(next);
  }
  return null;
}

function policyReferenceProblems(
  docs: ManifestDocument[],
  costCenters: Set<string>,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const doc of docs) {
    for (const list of ['overrides', 'sharedServices'] as const) {
      const items = specOf(doc)[list];
      if (!Array.isArray(items)) continue;
      items.forEach((item: { costCenter?: unknown }, i) => {
        const named = item?.costCenter;
        if (typeof named !== 'string' || costCenters.has(named)) return;
        problems.push({
          file: doc.file,
          line: doc.lineOf(['spec', list, i, 'costCenter']),
          path: `spec.${list}[${i}].costCenter`,
          message: missingCostCenter(named, costCenters),
        });
      });
    }
  }
  return problems;
}

/** Connector sources and CODEOWNERS files must be there; file:// is relative to the manifest. */
async function reachabilityProblems(
  resources: ManifestDocument[],
  unchecked: (doc: ManifestDocument, at: string) => boolean,
): Promise<ValidationProblem[]> {
  const problems: ValidationProblem[] = [];
  const check = async (
    doc: ManifestDocument,
    segments: PathSegment[],
    url: unknown,
    oneFile: boolean,
  ) => {
    const at = `spec.${segments[1]}[${segments[2]}].${segments[3]}`;
    if (typeof url !== 'string' || !unchecked(doc, at)) return;
    const problem = (message: string) =>
      problems.push({ file: doc.file, line: doc.lineOf(segments), path: at, message });
    try {
      const files = await listSourceFiles(url, path.dirname(doc.file));
      if (oneFile && files.length !== 1)
        problem(`${url} names ${files.length} files, not one CODEOWNERS file`);
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      problem(err.message);
    }
  };

  for (const doc of resources) {
    const spec = specOf(doc);
    if (doc.object.kind === 'CloudConnector' && Array.isArray(spec.sources)) {
      for (const [i, source] of spec.sources.entries()) {
        await check(doc, ['spec', 'sources', i, 'url'], source?.url, false);
      }
    }
    if (doc.object.kind === 'AttributionPolicy' && Array.isArray(spec.repositories)) {
      for (const [i, repo] of spec.repositories.entries()) {
        await check(doc, ['spec', 'repositories', i, 'codeowners'], repo?.codeowners, true);
      }
    }
  }
  return problems;
}

function missingCostCenter(named: unknown, costCenters: Set<string>): string {
  if (typeof named !== 'string') return 'must name a CostCenter';
  const near = [...costCenters].find((c) => editDistance(c, named) <= 2);
  return `CostCenter ${JSON.stringify(named)} does not exist${near ? `; did you mean ${JSON.stringify(near)}?` : ''}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

function groupOf(doc: ManifestDocument): string | undefined {
  return typeof doc.object.apiVersion === 'string'
    ? doc.object.apiVersion.split('/')[0]
    : undefined;
}

const isKind = (kind: string) => (doc: ManifestDocument) => doc.object.kind === kind;
const nameOf = (doc: ManifestDocument) => doc.object.metadata?.name ?? '';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are checked above, not typed
const specOf = (doc: ManifestDocument): Record<string, any> =>
  typeof doc.object.spec === 'object' && doc.object.spec !== null
    ? (doc.object.spec as Record<string, unknown>)
    : {};

function dig(value: unknown, segments: PathSegment[]): unknown {
  let node = value;
  for (const s of segments)
    node =
      typeof node === 'object' && node !== null
        ? (node as Record<string, unknown>)[s as string]
        : undefined;
  return node;
}

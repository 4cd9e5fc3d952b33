import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifests, ManifestError } from './manifests.js';

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'argmin-manifests-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ranker
  namespace: search
  annotations:
    argmin.io/cost-center: search
spec:
  template:
    spec:
      serviceAccountName: ranker-sa
      containers:
        - image: ghcr.io/acme/ranker:1.4
`;

describe('loadManifests', () => {
  it('reads every yaml and yml file under the folder, multi-document files included', async () => {
    const dir = await folder({
      'a/workloads.yaml': `${deployment}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: search\n`,
      'b/cc.yml':
        'apiVersion: argmin.io/v1alpha1\nkind: CostCenter\nmetadata:\n  name: search\nspec:\n  code: CC-1\n',
      'notes.txt': 'kind: Namespace',
    });
    const { state, problems } = await loadManifests(dir);
    expect(problems).toEqual([]);
    expect(
      state.workloads.map((w) => [w.metadata.namespace, w.metadata.name, w.serviceAccountName]),
    ).toEqual([['search', 'ranker', 'ranker-sa']]);
    expect(state.namespaces[0]?.origin.line).toBe(15);
    expect(state.costCenters[0]?.spec.code).toBe('CC-1');
  });

  it('knows the line of each field, for messages that point at it', async () => {
    const dir = await folder({ 'w.yaml': deployment });
    const { documents } = await loadManifests(dir);
    expect(documents[0]?.lineOf(['metadata', 'annotations', 'argmin.io/cost-center'])).toBe(7);
    expect(documents[0]?.lineOf(['spec', 'template', 'spec', 'serviceAccountName'])).toBe(11);
  });

  it('reports broken YAML and documents without a kind by file and line, and keeps the rest', async () => {
    const dir = await folder({
      'bad.yaml': `${deployment}---\napiVersion: v1\nmetadata:\n  name: x\n---\nkey: [unclosed\n`,
    });
    const { state, problems } = await loadManifests(dir);
    expect(state.workloads).toHaveLength(1);
    expect(problems.map((p) => [p.source.line, p.field])).toEqual([
      [15, 'kind'],
      [20, null],
    ]);
    expect(problems[0]?.source.file).toMatch(/bad\.yaml$/);
  });

  it('fails loudly on a folder that does not exist', async () => {
    await expect(loadManifests('/nonexistent/argmin')).rejects.toBeInstanceOf(ManifestError);
  });
});

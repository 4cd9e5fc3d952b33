import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addObject,
  AttributionGraph,
  emptyClusterState,
  Store,
  type CloudConnector,
  type KubeObject,
  type Quarantined,
  type SourceRecord,
  type WorkloadBinding,
} from '../attribution/index.js';
import { awsIamReader } from './aws-iam.js';
import type { ReadContext } from './format-reader.js';
import { readerFor } from './registry.js';
import { SourceError } from './source-error.js';
import { syncConnector } from './sync.js';

const fixture = (name: string) => new URL(`./fixtures/aws-iam/${name}`, import.meta.url).pathname;
const CTX: ReadContext = { connector: 'finops/aws-iam', provider: 'aws' };
/** The embedded store starts slowly when the whole suite shares the machine. */
const STORE_TIMEOUT_MS = 90_000;

async function read(name: string, path = fixture(name)): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of awsIamReader.read({ path, name }, CTX)) out.push(record);
  return out;
}
const bindings = (records: SourceRecord[]): WorkloadBinding[] =>
  records.flatMap((r) => (r.kind === 'binding' ? [r.binding] : []));
const quarantined = (records: SourceRecord[]): Quarantined[] =>
  records.flatMap((r) => (r.kind === 'quarantine' ? [r.item] : []));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'argmin-iam-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('aws-iam reader: trust policies', () => {
  it('binds a role to each service account its trust policy names exactly, and no other', async () => {
    const found = bindings(await read('authorization-details.json'));
    expect(found.map((b) => [b.principal, b.serviceAccount, b.source.line])).toEqual([
      ['arn:aws:iam::210987654321:role/workloads/search-ranker', 'search/ranker', 33],
      // The API's URL-encoded policy reads the same as the CLI's decoded one.
      ['arn:aws:iam::210987654321:role/checkout-api', 'shop/checkout', 68],
      ['arn:aws:iam::210987654321:role/workloads/ml-trainer', 'ml/trainer', 121],
    ]);
    expect(found[0]!.evidence).toBe(
      'IRSA trust policy of arn:aws:iam::210987654321:role/workloads/search-ranker (web identity ' +
        'from oidc.eks.us-east-1.amazonaws.com/id/5C3F9A1B2D4E6F708192A3B4C5D6E7F8)',
    );
    expect(found[2]!.evidence).toContain('EKS Pod Identity trust policy');
  });

  it('names the file, line and field of a role without a trust policy', async () => {
    expect(quarantined(await read('authorization-details.json'))).toEqual([
      {
        source: { connector: 'finops/aws-iam', file: 'authorization-details.json', line: 231 },
        field: 'RoleDetailList[6].AssumeRolePolicyDocument',
        reason: 'RoleDetailList[6].AssumeRolePolicyDocument is required',
      },
    ]);
  });

  it('reads list-roles output and get-role lines alike', async () => {
    const role = {
      RoleName: 'ranker',
      Arn: 'arn:aws:iam::111122223333:role/ranker',
      AssumeRolePolicyDocument: {
        Statement: {
          Effect: 'Allow',
          Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/oidc.example/id/1' },
          Action: ['sts:AssumeRoleWithWebIdentity'],
          Condition: { StringEquals: { 'oidc.example/id/1:sub': ['system:serviceaccount:a:b'] } },
        },
      },
    };
    const listed = join(dir, 'list-roles.json');
    await writeFile(listed, JSON.stringify({ Roles: [role] }, null, 2));
    const lines = join(dir, 'get-role.jsonl');
    await writeFile(lines, `${JSON.stringify({ Role: role })}\n${JSON.stringify({ Role: {} })}\n`);

    expect(bindings(await read('list-roles.json', listed)).map((b) => b.serviceAccount)).toEqual([
      'a/b',
    ]);
    const records = await read('get-role.jsonl', lines);
    expect(bindings(records).map((b) => b.source.line)).toEqual([1]);
    expect(quarantined(records)).toMatchObject([{ field: 'Role.Arn', source: { line: 2 } }]);
  });

  it('refuses a document that is not JSON, naming the file and quoting none of it', async () => {
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{\n  "Roles": [\n    {"RoleName": }\n  ]\n}\n');
    const err = await read('broken.json', broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ code: 'SOURCE_FORMAT_INVALID', file: broken });
    expect(String(err)).not.toContain('RoleName');
  });
});

describe('aws-iam reader: EKS Pod Identity associations', () => {
  it('binds an association to its role, and to the target role it chains to', async () => {
    const found = bindings(await read('pod-identity-associations.jsonl'));
    expect(found.map((b) => [b.principal, b.serviceAccount, b.source.line])).toEqual([
      ['arn:aws:iam::210987654321:role/support-triage-bedrock', 'support/triage', 1],
      ['arn:aws:iam::210987654321:role/search-embedder-hop', 'search/embedder', 2],
      ['arn:aws:iam::333344445555:role/bedrock-shared-embedder', 'search/embedder', 2],
    ]);
    expect(found[0]!.evidence).toBe(
      'EKS Pod Identity association a-0r7n5qk2yv1xkz9tj on cluster prod',
    );
  });

  it.each(['pod-identity-associations.jsonl', 'list-pod-identity-associations.json'])(
    'says where an association without its role is and how to export one with it (%s)',
    async (name) => {
      const [item] = quarantined(await read(name));
      expect(item?.source.line).toBe(3);
      expect(item?.field).toMatch(/^association(s\[0\])?\.roleArn$/);
      expect(item?.reason).toContain('describe-pod-identity-association');
    },
  );
});

describe('a caller that assumed a role known only from the IAM inventory', () => {
  const origin = { file: 'cluster.yaml', line: 1 };
  const objects: KubeObject[] = [
    {
      apiVersion: 'argmin.io/v1alpha1',
      kind: 'CostCenter',
      metadata: { name: 'search' },
      spec: { code: 'CC-search', displayName: 'Search', namespaces: ['search'] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ranker', namespace: 'search' },
      spec: {
        template: { spec: { serviceAccountName: 'ranker', containers: [{ image: 'r:1' }] } },
      },
    },
    // The ServiceAccount carries no IRSA annotation: only the trust policy ties it to the role.
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ranker', namespace: 'search' } },
  ];
  const caller = {
    awsPrincipal: 'arn:aws:sts::210987654321:assumed-role/search-ranker/botocore-session-4',
  };

  it(
    'reaches its namespace/serviceaccount and its CostCenter, citing the trust policy',
    async () => {
      const state = emptyClusterState();
      for (const o of objects) addObject(state, o, origin);
      const inventory = await syncedBindings();
      expect(inventory.map((b) => b.serviceAccount)).toContain('support/triage');
      const graph = new AttributionGraph({
        state,
        people: [],
        groups: [],
        codeowners: new Map(),
        bindings: inventory,
      });

      const found = graph.resolveCaller(caller);
      expect(found).toMatchObject({ service: 'search/ranker', costCenter: 'search' });
      expect(found!.edges[0]!.evidence).toContain('IRSA trust policy');
      expect(found!.edges[0]!.evidence).toContain('authorization-details.json:33');

      const without = new AttributionGraph({
        state,
        people: [],
        groups: [],
        codeowners: new Map(),
      });
      expect(without.resolveCaller(caller)?.costCenter ?? null).toBeNull();
    },
    STORE_TIMEOUT_MS,
  );
});

/** The bindings a sync of an aws-iam source leaves in the store, read back as attribution does. */
async function syncedBindings(): Promise<WorkloadBinding[]> {
  const baseDir = await mkdtemp(join(dir, 'sync-'));
  await mkdir(join(baseDir, 'iam'));
  for (const name of ['authorization-details.json', 'pod-identity-associations.jsonl']) {
    await copyFile(fixture(name), join(baseDir, 'iam', name));
  }
  const connector: CloudConnector = {
    metadata: { name: 'aws-iam', labels: {}, annotations: {} },
    spec: { provider: 'aws', sources: [{ name: 'iam', format: 'aws-iam', url: 'file://iam/' }] },
    origin: { file: 'connector.yaml', line: 1 },
  };
  const store = await Store.open(undefined);
  try {
    const result = await syncConnector(connector, { store, baseDir, readerFor });
    // The role without a trust policy and the association without its role are reported.
    expect(result.quarantined).toHaveLength(2);
    return await store.bindings();
  } finally {
    await store.close();
  }
}

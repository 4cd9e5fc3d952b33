// The cloud-side grants in config/cloud-access/ read and never write: every AWS action, GCP
// permission and Azure action is checked against what a read looks like on that cloud.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const FOLDER = path.resolve(import.meta.dirname, '../../config/cloud-access');

/** AWS names its read-only actions with these verbs; anything else may change something. */
const AWS_READ_VERBS = /^(?:Get|List|Describe|BatchGet)[A-Z]/;
/** Reads that hand out credentials or secrets, which a billing reader never needs. */
const AWS_SECRET_READS = new Set([
  'secretsmanager:GetSecretValue',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'sts:GetFederationToken',
  'sts:GetSessionToken',
  'ecr:GetAuthorizationToken',
  'iam:GetCredentialReport',
]);

/** GCP permissions are `service.resource.verb`; these verbs only read. */
const GCP_READ_VERBS = new Set(['get', 'list', 'getData']);

/**
 * Azure operations that end in /action but only return data; each is a POST because of how its
 * API is shaped, not because it changes anything.
 */
const AZURE_READ_ACTIONS = new Set([
  // The Cost Management query API takes its filter in a request body.
  'Microsoft.CostManagement/query/action',
]);

type Cloud = 'aws' | 'gcp' | 'azure';

/** One grant that is not a read, with why, so a reviewer can act on it. */
interface Violation {
  grant: string;
  reason: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- policy documents, read loosely
type Doc = Record<string, any>;

function cloudOf(doc: Doc): Cloud | undefined {
  if ('Statement' in doc) return 'aws';
  if ('includedPermissions' in doc) return 'gcp';
  const keys = Object.keys(doc).map((k) => k.toLowerCase());
  if (keys.includes('actions') || keys.includes('dataactions') || keys.includes('properties')) {
    return 'azure';
  }
  return undefined;
}

function violations(doc: Doc): Violation[] {
  switch (cloudOf(doc)) {
    case 'aws':
      return awsViolations(doc);
    case 'gcp':
      return gcpViolations(doc);
    case 'azure':
      return azureViolations(doc);
    default:
      return [{ grant: '(document)', reason: 'is not an AWS policy, GCP role or Azure role' }];
  }
}

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function awsViolations(policy: Doc): Violation[] {
  const found: Violation[] = [];
  for (const statement of asList(policy.Statement) as Doc[]) {
    if (statement.Effect !== 'Allow') continue;
    if ('NotAction' in statement) {
      found.push({ grant: 'NotAction', reason: 'allows every action but those listed' });
    }
    if ('NotResource' in statement) {
      found.push({ grant: 'NotResource', reason: 'allows every resource but those listed' });
    }
    const resources = asList(statement.Resource).map(String);
    for (const action of asList(statement.Action).map(String)) {
      const [service = '', verb = ''] = action.split(':', 2);
      if (/[*?]/.test(action)) {
        found.push({ grant: action, reason: 'has a wildcard' });
      } else if (service === '' || !AWS_READ_VERBS.test(verb)) {
        found.push({ grant: action, reason: 'is not a Get, List, Describe or BatchGet action' });
      } else if (AWS_SECRET_READS.has(action)) {
        found.push({ grant: action, reason: 'reads credentials or secrets' });
      } else if (service === 's3' && resources.some((r) => r === '*' || r === 'arn:aws:s3:::*')) {
        found.push({ grant: action, reason: 'is not scoped to a bucket' });
      }
    }
  }
  return found;
}

function gcpViolations(role: Doc): Violation[] {
  const found: Violation[] = [];
  for (const permission of asList(role.includedPermissions).map(String)) {
    const parts = permission.split('.');
    const verb = parts.at(-1) ?? '';
    if (permission.includes('*')) {
      found.push({ grant: permission, reason: 'has a wildcard' });
    } else if (parts.length < 3 || !GCP_READ_VERBS.has(verb)) {
      found.push({ grant: permission, reason: `verb ${verb} is not get, list or getData` });
    }
  }
  return found;
}

function azureViolations(role: Doc): Violation[] {
  const field = (doc: Doc, name: string): unknown =>
    Object.entries(doc).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  // The `az role definition` file form, or the ARM form with `properties.permissions[]`.
  const properties = (field(role, 'properties') as Doc | undefined) ?? role;
  const blocks = field(properties, 'permissions')
    ? (asList(field(properties, 'permissions')) as Doc[])
    : [properties];

  const found: Violation[] = [];
  for (const block of blocks) {
    const granted = [...asList(field(block, 'actions')), ...asList(field(block, 'dataActions'))];
    for (const operation of granted.map(String)) {
      if (operation.includes('*')) {
        found.push({ grant: operation, reason: 'has a wildcard' });
      } else if (!/\/read$/i.test(operation) && !AZURE_READ_ACTIONS.has(operation)) {
        found.push({ grant: operation, reason: 'is not a read operation' });
      }
    }
  }
  return found;
}

async function loadFolder(): Promise<{ file: string; doc: Doc }[]> {
  const files = (await readdir(FOLDER)).sort();
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(path.join(FOLDER, file), 'utf8');
      const doc = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Doc;
      return { file, doc };
    }),
  );
}

describe('config/cloud-access', () => {
  it('holds one read-only grant for each cloud, and nothing else', async () => {
    const loaded = await loadFolder();
    expect(loaded.map(({ doc }) => cloudOf(doc)).sort()).toEqual(['aws', 'azure', 'gcp']);
  });

  it('grants only reads in every file', async () => {
    for (const { file, doc } of await loadFolder()) {
      expect({ file, violations: violations(doc) }).toEqual({ file, violations: [] });
    }
  });

  it('grants reads of the billing exports, the usage logs and the identity inventory', async () => {
    const grants = (await loadFolder()).flatMap(({ doc }) => JSON.stringify(doc));
    const text = grants.join('\n');
    for (const needed of [
      's3:GetObject',
      'logs:GetLogEvents',
      'iam:GetRole',
      'eks:ListPodIdentityAssociations',
      'bigquery.tables.getData',
      'logging.privateLogEntries.list',
      'storage.objects.get',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read',
    ]) {
      expect(text).toContain(needed);
    }
  });
});

const aws = (action: string | string[], resource: string | string[] = 'arn:aws:s3:::b/p/*') => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: resource }],
});

describe('the read-only check', () => {
  it.each([
    ['AWS write', aws('s3:PutObject'), 's3:PutObject'],
    ['AWS delete among reads', aws(['s3:GetObject', 's3:DeleteObject']), 's3:DeleteObject'],
    ['AWS verb wildcard', aws('s3:Get*'), 's3:Get*'],
    ['AWS service wildcard', aws('*:GetObject'), '*:GetObject'],
    ['AWS everything', aws('*'), '*'],
    ['AWS action that only looks like a read', aws('logs:FilterLogEvents'), 'logs:FilterLogEvents'],
    ['AWS role assumption', aws('sts:AssumeRole', '*'), 'sts:AssumeRole'],
    ['AWS secret read', aws('secretsmanager:GetSecretValue', '*'), 'secretsmanager:GetSecretValue'],
    ['AWS object read on every bucket', aws('s3:GetObject', '*'), 's3:GetObject'],
    [
      'AWS NotAction',
      { Statement: { Effect: 'Allow', NotAction: 's3:PutObject', Resource: '*' } },
      'NotAction',
    ],
    ['GCP write', { includedPermissions: ['storage.objects.create'] }, 'storage.objects.create'],
    ['GCP query job', { includedPermissions: ['bigquery.jobs.create'] }, 'bigquery.jobs.create'],
    ['GCP wildcard', { includedPermissions: ['bigquery.tables.*'] }, 'bigquery.tables.*'],
    [
      'GCP secret access',
      { includedPermissions: ['secretmanager.versions.access'] },
      'secretmanager.versions.access',
    ],
    [
      'Azure write',
      { Actions: ['Microsoft.Storage/storageAccounts/write'] },
      'Microsoft.Storage/storageAccounts/write',
    ],
    [
      'Azure blob delete',
      { DataActions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete'] },
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete',
    ],
    [
      'Azure key listing',
      { Actions: ['Microsoft.Storage/storageAccounts/listKeys/action'] },
      'Microsoft.Storage/storageAccounts/listKeys/action',
    ],
    ['Azure everything', { Actions: ['*'] }, '*'],
    ['Azure read wildcard', { Actions: ['Microsoft.Storage/*/read'] }, 'Microsoft.Storage/*/read'],
    [
      'Azure ARM form',
      {
        properties: { permissions: [{ actions: ['Microsoft.Insights/diagnosticSettings/write'] }] },
      },
      'Microsoft.Insights/diagnosticSettings/write',
    ],
  ])('rejects %s', (_name, doc, grant) => {
    expect(violations(doc).map((v) => v.grant)).toContain(grant);
  });

  it.each([
    ['AWS scoped reads', aws(['s3:GetObject', 's3:ListBucket'])],
    ['AWS Deny of a write', { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }],
    ['GCP reads', { includedPermissions: ['bigquery.tables.getData', 'logging.logs.list'] }],
    ['Azure documented read action', { Actions: ['Microsoft.CostManagement/query/action'] }],
  ])('accepts %s', (_name, doc) => {
    expect(violations(doc)).toEqual([]);
  });

  it('refuses a document of no known cloud', () => {
    expect(violations({ rules: [] })).toHaveLength(1);
  });
});

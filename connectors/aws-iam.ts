// An AWS IAM inventory as the CLI writes it: `get-account-authorization-details`, `list-roles` or
// `get-role` for roles and their trust policies, and `describe-pod-identity-association` (or
// `list-pod-identity-associations`) for EKS Pod Identity. A trust policy that lets named Kubernetes
// service accounts assume a role (IRSA's web identity `:sub`, or Pod Identity's request tags), and a
// Pod Identity association, each bind the role to a service account: a caller that assumed the role
// reaches the service that runs as it, though no annotation on the ServiceAccount says so.
import type { SourceRecord, WorkloadBinding } from '../attribution/index.js';
import {
  quarantine,
  sourceRef,
  type FormatReader,
  type ReadContext,
  type SourceFile,
} from './format-reader.js';
import { jsonLogEntries } from './json-log-entries.js';

type Json = Record<string, unknown>;

/** Lists of an authorization-details, list-roles or list-associations document. */
const ROLE_LISTS = ['RoleDetailList', 'Roles'] as const;
const ASSOCIATION_LISTS = ['associations'] as const;
// IAM users, groups and managed policies are read past: a user ARN already matches a person by
// name, and the inventory's users carry nothing that ties them to one more firmly.
const OTHER_LISTS = ['UserDetailList', 'GroupDetailList', 'Policies'] as const;

const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+$/;
const OIDC_PROVIDER = /^arn:aws[\w-]*:iam::\d{12}:oidc-provider\/(.+)$/;
const SERVICE_ACCOUNT_SUBJECT = /^system:serviceaccount:([^:]+):([^:]+)$/;
/** Kubernetes names as a `namespace/name` reference holds them. */
const KUBE_NAME = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;
const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com';
const NAMESPACE_TAG = 'aws:RequestTag/kubernetes-namespace';
const SERVICE_ACCOUNT_TAG = 'aws:RequestTag/kubernetes-service-account';
/** Condition operators whose values name exactly what may assume the role. */
const MATCHING_OPERATORS = ['StringEquals', 'StringLike'] as const;

export const awsIamReader: FormatReader = {
  format: 'aws-iam',
  role: 'identity',
  read: readIam,
};

async function* readIam(file: SourceFile, ctx: ReadContext): AsyncIterable<SourceRecord> {
  const lists = [...ROLE_LISTS, ...ASSOCIATION_LISTS, ...OTHER_LISTS];
  const counts = new Map<string, number>();
  for await (const { line, value, list } of jsonLogEntries(file, { reviver: keep, lists })) {
    const index = counts.get(list ?? '') ?? 0;
    counts.set(list ?? '', index + 1);
    if (value === undefined) {
      yield quarantine(file, ctx, line, null, 'the line is not valid JSON');
      continue;
    }
    if ((OTHER_LISTS as readonly (string | null)[]).includes(list)) continue;

    const entry = entryOf(value, list, index);
    if (entry === null) {
      const reason =
        'is neither an IAM role (RoleName, Arn) nor an EKS Pod Identity association ' +
        '(namespace, serviceAccount, roleArn), nor a list of them';
      yield quarantine(file, ctx, line, null, `the entry ${reason}`);
      continue;
    }
    const read = entry.kind === 'role' ? roleBindings(entry) : associationBindings(entry);
    if (!read.ok) {
      const field = `${entry.path}.${read.field}`;
      yield quarantine(file, ctx, line, field, `${field} ${read.reason}`);
      continue;
    }
    for (const binding of read.bindings) {
      yield { kind: 'binding', binding: { ...binding, source: sourceRef(file, ctx, line) } };
    }
  }
}

interface Entry {
  kind: 'role' | 'association';
  fields: Json;
  /** Where the entry is in the document, for messages: `RoleDetailList[2]`, `association`. */
  path: string;
}

type Found = Omit<WorkloadBinding, 'source'>;
type Read = { ok: true; bindings: Found[] } | { ok: false; field: string; reason: string };

function entryOf(value: unknown, list: string | null, index: number): Entry | null {
  if (!isObject(value)) return null;
  if (list !== null) {
    const kind = (ROLE_LISTS as readonly string[]).includes(list) ? 'role' : 'association';
    return { kind, fields: value, path: `${list}[${index}]` };
  }
  if (isObject(value.Role)) return { kind: 'role', fields: value.Role, path: 'Role' };
  if (isObject(value.association)) {
    return { kind: 'association', fields: value.association, path: 'association' };
  }
  if ('RoleName' in value || 'AssumeRolePolicyDocument' in value) {
    return { kind: 'role', fields: value, path: 'Role' };
  }
  if ('serviceAccount' in value || 'associationId' in value) {
    return { kind: 'association', fields: value, path: 'association' };
  }
  return null;
}

/** The service accounts a role's trust policy names, each a binding of the role. */
function roleBindings({ fields }: Entry): Read {
  const arn = fields.Arn;
  if (!present(arn)) return { ok: false, field: 'Arn', reason: 'is required' };
  if (typeof arn !== 'string' || !ROLE_ARN.test(arn)) {
    return { ok: false, field: 'Arn', reason: 'is not an IAM role ARN' };
  }
  const policy = policyDocument(fields.AssumeRolePolicyDocument);
  if (policy === undefined) {
    return { ok: false, field: 'AssumeRolePolicyDocument', reason: 'is required' };
  }
  if (policy === null) {
    const reason = 'is not a policy document (JSON, or URL-encoded JSON as the API returns it)';
    return { ok: false, field: 'AssumeRolePolicyDocument', reason };
  }

  const bindings: Found[] = [];
  for (const statement of listOf(policy.Statement)) {
    if (!isObject(statement) || statement.Effect !== 'Allow') continue;
    const actions = textsOf(statement.Action);
    const principal = isObject(statement.Principal) ? statement.Principal : {};
    const conditions = isObject(statement.Condition) ? statement.Condition : {};

    if (allows(actions, 'sts:AssumeRoleWithWebIdentity')) {
      for (const provider of textsOf(principal.Federated)) {
        const issuer = OIDC_PROVIDER.exec(provider)?.[1];
        if (issuer === undefined) continue;
        const evidence = `IRSA trust policy of ${arn} (web identity from ${issuer})`;
        for (const subject of exactValues(conditions, `${issuer}:sub`)) {
          const sa = SERVICE_ACCOUNT_SUBJECT.exec(subject);
          const ref = sa ? serviceAccountRef(sa[1]!, sa[2]!) : null;
          if (ref)
            bindings.push({ provider: 'aws', principal: arn, serviceAccount: ref, evidence });
        }
      }
    }

    if (
      allows(actions, 'sts:AssumeRole') &&
      textsOf(principal.Service).includes(POD_IDENTITY_SERVICE)
    ) {
      // Pod Identity tags each session with the pod's namespace and service account; a policy that
      // requires both tags admits exactly the pairs it lists.
      const evidence = `EKS Pod Identity trust policy of ${arn} (session tags kubernetes-namespace, kubernetes-service-account)`;
      for (const namespace of exactValues(conditions, NAMESPACE_TAG)) {
        for (const name of exactValues(conditions, SERVICE_ACCOUNT_TAG)) {
          const ref = serviceAccountRef(namespace, name);
          if (ref)
            bindings.push({ provider: 'aws', principal: arn, serviceAccount: ref, evidence });
        }
      }
    }
  }
  return { ok: true, bindings: unique(bindings) };
}

/** An association binds its role, and the role it chains to in another account, to one account. */
function associationBindings({ fields }: Entry): Read {
  for (const field of ['namespace', 'serviceAccount'] as const) {
    if (!present(fields[field])) return { ok: false, field, reason: 'is required' };
    if (typeof fields[field] !== 'string') return { ok: false, field, reason: 'must be a string' };
  }
  const serviceAccount = serviceAccountRef(
    fields.namespace as string,
    fields.serviceAccount as string,
  );
  if (serviceAccount === null) {
    return { ok: false, field: 'serviceAccount', reason: 'is not a Kubernetes name' };
  }
  if (!present(fields.roleArn)) {
    const reason =
      'is required (list-pod-identity-associations leaves it out; ' +
      'export describe-pod-identity-association for each association)';
    return { ok: false, field: 'roleArn', reason };
  }

  const id = text(fields.associationId) ?? text(fields.associationArn) ?? '(no id)';
  const cluster = text(fields.clusterName);
  const evidence = `EKS Pod Identity association ${id}${cluster ? ` on cluster ${cluster}` : ''}`;
  const bindings: Found[] = [];
  for (const field of ['roleArn', 'targetRoleArn'] as const) {
    const role = fields[field];
    if (field === 'targetRoleArn' && !present(role)) continue;
    if (typeof role !== 'string' || !ROLE_ARN.test(role)) {
      return { ok: false, field, reason: 'is not an IAM role ARN' };
    }
    // With a target role the pods' calls are made as that role, chained from the first.
    const why =
      field === 'roleArn' ? evidence : `${evidence}, target role of ${fields.roleArn as string}`;
    bindings.push({ provider: 'aws', principal: role, serviceAccount, evidence: why });
  }
  return { ok: true, bindings };
}

/**
 * A trust policy as the CLI decodes it, or as the API returns it (URL-encoded JSON). Undefined
 * when absent, null when it is not a policy.
 */
function policyDocument(value: unknown): Json | null | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (isObject(value)) return value;
  if (typeof value !== 'string') return null;
  for (const decode of [(s: string) => s, decodeURIComponent]) {
    try {
      const parsed: unknown = JSON.parse(decode(value));
      if (isObject(parsed)) return parsed;
    } catch {
      // Neither plain nor URL-encoded JSON: tried next, then refused without quoting it.
    }
  }
  return null;
}

/** The values a condition key must equal; a wildcard admits more than one account, so none. */
function exactValues(conditions: Json, key: string): string[] {
  const values: string[] = [];
  for (const operator of MATCHING_OPERATORS) {
    const block = conditions[operator];
    if (!isObject(block)) continue;
    for (const [name, value] of Object.entries(block)) {
      // Condition keys match without case; values of StringLike may hold wildcards.
      if (name.toLowerCase() !== key.toLowerCase()) continue;
      for (const v of textsOf(value))
        if (operator !== 'StringLike' || !/[*?]/.test(v)) values.push(v);
    }
  }
  return values;
}

function allows(actions: string[], action: string): boolean {
  return actions.some(
    (a) => a === '*' || a === 'sts:*' || a.toLowerCase() === action.toLowerCase(),
  );
}

function serviceAccountRef(namespace: string, name: string): string | null {
  return KUBE_NAME.test(namespace) && KUBE_NAME.test(name) ? `${namespace}/${name}` : null;
}

function unique(bindings: Found[]): Found[] {
  const seen = new Set<string>();
  return bindings.filter((b) => {
    const key = `${b.principal} ${b.serviceAccount}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function textsOf(value: unknown): string[] {
  return listOf(value).filter((v): v is string => typeof v === 'string');
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keep(_key: string, value: unknown): unknown {
  return value;
}

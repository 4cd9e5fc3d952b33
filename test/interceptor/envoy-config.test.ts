import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type protobuf from 'protobufjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUDGET_MS } from './budget.js';
import { checkMessage, loadProtosFor, typeUrls } from './envoy-proto-json.js';

// No Envoy binary can be installed here. Instead, every file in config/envoy/ is read against
// Envoy's own bootstrap and filter protos, as Envoy would read it, and must name its type in a
// first-line comment: `# envoy-type: <message>`, or `# envoy-type: repeated <message>` for a list.

const ENVOY_DIR = path.resolve(import.meta.dirname, '../../config/envoy');
const TYPE_COMMENT = /^# envoy-type: (repeated )?([\w.]+)\n/;

interface ConfigFile {
  name: string;
  repeated: boolean;
  typeName: string;
  document: unknown;
}

const files: ConfigFile[] = readdirSync(ENVOY_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((name) => {
    const text = readFileSync(path.join(ENVOY_DIR, name), 'utf8');
    const match = TYPE_COMMENT.exec(text);
    if (!match) throw new Error(`config/envoy/${name} does not start with "# envoy-type: ..."`);
    return { name, repeated: Boolean(match[1]), typeName: match[2]!, document: parse(text) };
  });

const byName = (name: string) => files.find((f) => f.name === name)!.document;
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML, read loosely

let root: protobuf.Root;
beforeAll(async () => {
  const names = new Set(files.map((f) => f.typeName));
  for (const file of files) {
    for (const url of typeUrls(file.document))
      names.add(url.replace(/^type\.googleapis\.com\//, ''));
  }
  root = await loadProtosFor(names);
});

describe('config/envoy read against Envoy protos', () => {
  it('holds the filters, the cluster and the bootstrap', () => {
    expect(files.map((f) => f.name)).toEqual([
      'bootstrap.yaml',
      'interceptor-cluster.yaml',
      'interceptor-filters-pre-1.31.yaml',
      'interceptor-filters.yaml',
    ]);
  });

  it.each(files.map((f) => [f.name, f] as const))(
    '%s has only known fields of the right types',
    (_name, file) => {
      const type = root.lookupType(file.typeName);
      const documents = file.repeated ? (file.document as unknown[]) : [file.document];
      expect(Array.isArray(documents)).toBe(true);
      expect(documents.flatMap((d) => checkMessage(root, type, d))).toEqual([]);
    },
  );
});

describe('the proto check', () => {
  const filter = () => structuredClone((byName('interceptor-filters.yaml') as Doc[])[0]) as Doc;
  const HTTP_FILTER = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter';

  it.each<[string, (f: Doc) => void, string]>([
    [
      'an unknown field',
      (f) => (f.typed_config.failure_mode_alow = true),
      'has no field "failure_mode_alow"',
    ],
    [
      'a field of the wrong type',
      (f) => (f.typed_config.failure_mode_allow = 'yes'),
      'is not a boolean',
    ],
    [
      'a duration without its unit',
      (f) => (f.typed_config.grpc_service.timeout = 0.015),
      'is not a duration',
    ],
    [
      'an unknown enum value',
      (f) => (f.typed_config.transport_api_version = 'V4'),
      'is not a value of ApiVersion',
    ],
    ['a typed_config of no known type', (f) => (f.typed_config['@type'] += 'X'), 'no message type'],
    [
      'two members of one oneof',
      (f) => (f.typed_config.grpc_service.google_grpc = {}),
      'already set in oneof',
    ],
    [
      'a deprecated field',
      (f) => {
        delete f.typed_config.grpc_service;
        f.typed_config.http_service = { authorization_request: { allowed_headers: {} } };
      },
      'authorization_request.allowed_headers: is deprecated',
    ],
  ])('rejects %s', (_case, change, message) => {
    const changed = filter();
    change(changed);
    const problems = checkMessage(root, root.lookupType(HTTP_FILTER), changed);
    expect(problems.join('\n')).toContain(message);
  });
});

const EXT_AUTHZ = 'envoy.filters.http.ext_authz';
const EXT_PROC = 'envoy.filters.http.ext_proc';
/** Headers that name the caller; the only ones ext_authz may send. */
const IDENTITY_HEADERS = ['x-forwarded-client-cert', 'x-request-id'];
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key'];

function filterConfig(filters: Doc[], name: string): Doc {
  const filter = filters.find((f) => f.name === name);
  expect(filter, name).toBeDefined();
  return filter!.typed_config as Doc;
}

function seconds(duration: string): number {
  return Number(duration.replace(/s$/, ''));
}

function bootstrapFilters(): Doc[] {
  const bootstrap = byName('bootstrap.yaml') as Doc;
  const manager = bootstrap.static_resources.listeners[0].filter_chains[0].filters[0];
  return manager.typed_config.http_filters as Doc[];
}

const FILTER_FILES = ['interceptor-filters.yaml', 'interceptor-filters-pre-1.31.yaml'];

describe.each(FILTER_FILES)('%s fails open', (name) => {
  const filters = () => byName(name) as Doc[];

  it('lets a call through when ext_authz fails or times out, within the budget, and marks it', () => {
    const authz = filterConfig(filters(), EXT_AUTHZ);
    expect(authz.failure_mode_allow).toBe(true);
    expect(authz.failure_mode_allow_header_add).toBe(true);
    expect(authz.transport_api_version).toBe('V3');
    expect(seconds(authz.grpc_service.timeout) * 1000).toBeLessThanOrEqual(20);
    expect(authz.grpc_service.envoy_grpc.cluster_name).toBe('argmin_interceptor');
  });

  it('sends ext_authz no body and no header but identity headers', () => {
    const authz = filterConfig(filters(), EXT_AUTHZ);
    expect(authz.with_request_body).toBeUndefined();
    const allowed = (authz.allowed_headers.patterns as Doc[]).map((p) => p.exact);
    expect(allowed.every((h) => IDENTITY_HEADERS.includes(h))).toBe(true);
  });

  it('lets a call through when ext_proc fails, and never sends the request body', () => {
    const proc = filterConfig(filters(), EXT_PROC);
    expect(proc.failure_mode_allow).toBe(true);
    expect(proc.processing_mode).toEqual({
      request_header_mode: 'SEND',
      response_header_mode: 'SEND',
      request_body_mode: 'NONE',
      response_body_mode: 'STREAMED',
      request_trailer_mode: 'SKIP',
      response_trailer_mode: 'SKIP',
    });
    const forwarded = (proc.forward_rules.allowed_headers.patterns as Doc[]).map(
      (p) => p.exact ?? p.prefix,
    );
    for (const credential of CREDENTIAL_HEADERS) {
      expect(forwarded.some((h) => credential.startsWith(h))).toBe(false);
    }
  });
});

describe('the ext_proc mode for each Envoy version', () => {
  it('observes without Envoy waiting on 1.31 and later, closing the side stream soon after', () => {
    const proc = filterConfig(byName('interceptor-filters.yaml') as Doc[], EXT_PROC);
    expect(proc.observability_mode).toBe(true);
    expect(seconds(proc.deferred_close_timeout)).toBeGreaterThanOrEqual(1);
    expect(seconds(proc.deferred_close_timeout)).toBeLessThanOrEqual(5);
  });

  it('bounds each synchronous wait at 20 ms before 1.31, which has no observability mode', () => {
    const proc = filterConfig(byName('interceptor-filters-pre-1.31.yaml') as Doc[], EXT_PROC);
    expect(proc.observability_mode).toBeUndefined();
    expect(proc.deferred_close_timeout).toBeUndefined();
    expect(seconds(proc.message_timeout) * 1000).toBeLessThanOrEqual(20);
    expect(seconds(proc.message_timeout) * 1000).toBeLessThan(BUDGET_MS);
  });
});

describe('bootstrap.yaml', () => {
  it('uses the filters of interceptor-filters.yaml, ahead of the router', () => {
    const filters = bootstrapFilters();
    expect(filters.slice(0, 2)).toEqual(byName('interceptor-filters.yaml'));
    expect(filters.at(-1)!.name).toBe('envoy.filters.http.router');
  });

  it('uses the cluster of interceptor-cluster.yaml', () => {
    const bootstrap = byName('bootstrap.yaml') as Doc;
    const cluster = (bootstrap.static_resources.clusters as Doc[]).find(
      (c) => c.name === 'argmin_interceptor',
    );
    expect(cluster).toEqual(byName('interceptor-cluster.yaml'));
  });
});

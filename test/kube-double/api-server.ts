// A test double of the Kubernetes API server over real HTTP, for clients that cannot tell it from
// the real thing: @kubernetes/client-node's informers and typed clients, and kubectl.
//
// What it does as the API server does:
// - one resourceVersion counter; 409 Conflict on a stale resourceVersion in an update or a patch;
//   no-op updates are not written (no new resourceVersion, no watch event)
// - list, and watch from a resourceVersion with replay; 410 Gone (as an ERROR watch event) once
//   history no longer reaches back; `timeoutSeconds`; label selectors
// - the status subresource: the main endpoint ignores status, `/status` changes nothing else;
//   `metadata.generation` moves only when something other than metadata and status changes
// - finalizers: deletion with finalizers sets deletionTimestamp; the object goes when the last
//   finalizer is removed; delete preconditions on uid and resourceVersion
// - JSON merge patch, JSON patch (with `test`), strategic merge patch refused for custom resources
// - CRDs created through the API become served types; their objects are pruned, defaulted and
//   validated (OpenAPI schema and CEL rules) by the validator in `crds/`
// - discovery (`/api`, `/apis`, group versions) and server-side Table printing for kubectl
//
// Known gaps:
// - no authentication or authorization: every request is allowed (RBAC is not exercised)
// - strategic merge patch on built-in types is applied as a JSON merge patch (no list merge keys);
//   server-side apply (`application/apply-patch+yaml`) is refused with 415
// - built-in types are not validated beyond name and namespace; no defaulting for them
// - no pagination (`limit`/`continue` are ignored and everything is returned); no field
//   selectors; no watch bookmarks; no `kubectl explain`
// - deleting a namespace does not delete what is in it; no garbage collection by owner
// - PUT requires the object to exist (no create-on-update)
// - one API version per custom resource; no conversion webhooks; no admission webhooks
// - JSON only: protobuf bodies get 415 (kubectl's typed generators such as `kubectl create
//   namespace` send protobuf; `kubectl apply -f`, `annotate`, `get` and `patch` work)
// - no OpenAPI documents, so kubectl's client-side validation needs `--validate=false`
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { CrdValidator, type CustomResourceDefinition } from '../../crds/index.js';
import { alreadyExists, ApiError, badRequest, conflict, invalid, notFound } from './api-errors.js';
import { parseLabelSelector } from './label-selector.js';
import { ObjectStore, type KubeObject, type WatchEventType } from './object-store.js';
import { jsonPatch, mergePatch, PatchError } from './patches.js';
import { toTable, wantsTable } from './printer-columns.js';
import {
  apiVersionOf,
  BUILT_IN_TYPES,
  groupList,
  resourceList,
  typesOfCrd,
  type ResourceType,
} from './resource-types.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  contentType?: string;
}

export interface Fault {
  method?: string;
  /** Matched against the request path. */
  path: RegExp;
  status: number;
  /** Only requests bearing this token: partitions one client from the server. */
  token?: string;
  /** How many matching requests fail; every one when absent. */
  times?: number;
}

export interface KubeDoubleOptions {
  now?: () => Date;
  historyEvents?: number;
}

interface Target {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const INITIAL_NAMESPACES = ['default', 'kube-system'];

export class KubeApiDouble {
  readonly requests: RecordedRequest[] = [];
  private readonly store: ObjectStore;
  private types: ResourceType[] = [...BUILT_IN_TYPES];
  private validator = new CrdValidator([]);
  private readonly watches = new Set<ServerResponse>();
  private readonly faults: Fault[] = [];
  private readonly now: () => Date;
  private server: Server | undefined;

  constructor(options: KubeDoubleOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.store = new ObjectStore(options.historyEvents);
    for (const name of INITIAL_NAMESPACES) {
      this.create(this.typeOf('', 'v1', 'namespaces')!, undefined, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
    }
  }

  /** Starts listening on 127.0.0.1; returns the server URL. */
  async listen(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.dropWatches();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Ends every open watch, as a restarting API server or a dropped connection would. */
  dropWatches(): number {
    const count = this.watches.size;
    for (const res of this.watches) res.destroy();
    this.watches.clear();
    return count;
  }

  /** Forgets watch history: any watch resumed from an older resourceVersion gets 410. */
  compact(): void {
    this.store.compact();
  }

  /** Makes matching requests fail with `status` until `times` of them have. */
  inject(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Writes (create, update, patch, delete) recorded so far, optionally only under `path`. */
  writes(path?: RegExp): RecordedRequest[] {
    return this.requests.filter(
      (r) => WRITE_METHODS.has(r.method) && (path === undefined || path.test(r.path)),
    );
  }

  /** Reads an object straight from storage, bypassing HTTP. */
  peek(
    group: string,
    plural: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const type = this.types.find((t) => t.group === group && t.plural === plural);
    return type && this.store.get(typeKey(type), namespace, name);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const method = req.method ?? 'GET';
    this.requests.push({
      method,
      path: url.pathname,
      query: url.search,
      contentType: req.headers['content-type'],
    });
    try {
      const fault = this.faults.find(
        (f) =>
          f.path.test(url.pathname) &&
          (!f.method || f.method === method) &&
          (!f.token || req.headers.authorization === `Bearer ${f.token}`),
      );
      if (fault) {
        if (fault.times !== undefined && --fault.times <= 0) {
          this.faults.splice(this.faults.indexOf(fault), 1);
        }
        throw new ApiError(fault.status, 'InternalError', 'injected fault');
      }
      const body = await readBody(req);
      if ((req.headers['content-type'] ?? '').includes('protobuf')) {
        throw new ApiError(415, 'UnsupportedMediaType', 'only JSON request bodies are served');
      }
      const answer = this.route(method, url, req, body, res);
      if (answer === 'streaming') return;
      send(res, answer.code, answer.body);
    } catch (err) {
      const error =
        err instanceof ApiError
          ? err
          : err instanceof PatchError
            ? new ApiError(422, 'Invalid', err.message)
            : new ApiError(500, 'InternalError', err instanceof Error ? err.message : String(err));
      send(res, error.code, error.toStatus());
    }
  }

  private route(
    method: string,
    url: URL,
    req: IncomingMessage,
    body: string,
    res: ServerResponse,
  ): { code: number; body: unknown } | 'streaming' {
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/version') {
      return { code: 200, body: { major: '1', minor: '32', gitVersion: 'v1.32.0-argmin-double' } };
    }
    if (path === '/api') {
      return { code: 200, body: { kind: 'APIVersions', versions: ['v1'] } };
    }
    if (path === '/apis') return { code: 200, body: groupList(this.types) };
    const segments = path.split('/').filter(Boolean);
    const discovery =
      (segments[0] === 'api' && segments.length === 2) ||
      (segments[0] === 'apis' && segments.length === 3);
    if (discovery) {
      const groupVersion = segments.slice(1).join('/');
      if (!this.types.some((t) => apiVersionOf(t) === groupVersion)) {
        throw new ApiError(404, 'NotFound', `the server could not find ${path}`);
      }
      return { code: 200, body: resourceList(this.types, groupVersion) };
    }

    const target = this.target(segments);
    if (!target) throw new ApiError(404, 'NotFound', `the server could not find ${path}`);
    const { type, namespace, name, subresource } = target;
    if (subresource && (subresource !== 'status' || !type.statusSubresource)) {
      throw new ApiError(404, 'NotFound', `the server could not find ${path}`);
    }

    if (method === 'GET' && !name) {
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
        this.watch(type, namespace, url.searchParams, res);
        return 'streaming';
      }
      return { code: 200, body: this.list(type, namespace, url.searchParams, req) };
    }
    if (method === 'GET') return { code: 200, body: this.get(type, namespace, name!) };
    if (method === 'POST' && !name) {
      return { code: 201, body: this.create(type, namespace, parseJson(body)) };
    }
    if (method === 'PUT' && name) {
      return { code: 200, body: this.update(type, namespace, name, parseJson(body), subresource) };
    }
    if (method === 'PATCH' && name) {
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      return {
        code: 200,
        body: this.patch(type, namespace, name, contentType, body, subresource),
      };
    }
    if (method === 'DELETE' && name) {
      return { code: 200, body: this.delete(type, namespace, name, body) };
    }
    throw new ApiError(405, 'MethodNotAllowed', `${method} is not supported on ${path}`);
  }

  private target(segments: string[]): Target | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api') [group, version, rest] = ['', segments[1]!, segments.slice(2)];
    else if (segments[0] === 'apis') {
      [group, version, rest] = [segments[1]!, segments[2]!, segments.slice(3)];
    } else return undefined;

    const namespacedType =
      rest[0] === 'namespaces' && rest.length >= 3
        ? this.typeOf(group, version, rest[2]!)
        : undefined;
    if (namespacedType?.namespaced) {
      return { type: namespacedType, namespace: rest[1], name: rest[3], subresource: rest[4] };
    }
    const type = this.typeOf(group, version, rest[0] ?? '');
    if (!type || rest.length > 3) return undefined;
    return { type, name: rest[1], subresource: rest[2] };
  }

  private typeOf(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find(
      (t) => t.group === group && t.version === version && t.plural === plural,
    );
  }

  private list(
    type: ResourceType,
    namespace: string | undefined,
    query: URLSearchParams,
    req: IncomingMessage,
  ): unknown {
    const matches = parseLabelSelector(query.get('labelSelector'));
    const objects = this.store.list(typeKey(type), namespace).filter((o) => matches(labelsOf(o)));
    if (wantsTable(req.headers.accept)) {
      const table = toTable(type, objects, this.now()) as { metadata: Record<string, unknown> };
      table.metadata.resourceVersion = String(this.store.resourceVersion);
      return table;
    }
    return {
      apiVersion: apiVersionOf(type),
      kind: type.listKind,
      metadata: { resourceVersion: String(this.store.resourceVersion) },
      // Lists of custom resources carry each item's kind; lists of built-in types do not.
      items: type.crd ? objects : objects.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
    };
  }

  private get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.store.get(typeKey(type), namespace, name);
    if (!found) throw notFound(type.plural, name, type.group);
    return found;
  }

  private create(type: ResourceType, namespace: string | undefined, input: unknown): KubeObject {
    const object = asObject(input);
    const metadata = (object.metadata ?? {}) as KubeObject['metadata'];
    if (type.namespaced) {
      if (!namespace) throw badRequest('a namespaced object needs a namespace in the path');
      if (metadata.namespace && metadata.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      if (!this.store.get('/namespaces', undefined, namespace)) {
        throw notFound('namespaces', namespace, '');
      }
      metadata.namespace = namespace;
    } else {
      delete metadata.namespace;
    }
    if (!metadata.name && typeof metadata.generateName === 'string') {
      metadata.name = `${metadata.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    }
    if (!metadata.name) {
      throw invalid(type.kind, type.group, '', [
        { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value' },
      ]);
    }
    if (this.store.get(typeKey(type), namespace, metadata.name)) {
      throw alreadyExists(type.plural, metadata.name, type.group);
    }

    const fresh: KubeObject = {
      ...object,
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: {
        ...metadata,
        uid: randomUUID(),
        creationTimestamp: kubeTime(this.now()),
        ...(type.statusSubresource ? { generation: 1 } : {}),
      },
    };
    delete fresh.metadata.resourceVersion;
    delete fresh.metadata.deletionTimestamp;
    if (type.statusSubresource && type.crd) delete fresh.status;
    const stored = this.store.write(typeKey(type), this.validated(type, fresh), 'ADDED');
    if (type.plural === 'customresourcedefinitions') this.serve(stored);
    return stored;
  }

  private update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    input: unknown,
    subresource: string | undefined,
  ): KubeObject {
    const old = this.get(type, namespace, name);
    const proposed = asObject(input);
    const version = (proposed.metadata as { resourceVersion?: string } | undefined)
      ?.resourceVersion;
    if (version && version !== old.metadata.resourceVersion) {
      throw conflict(type.plural, name, type.group);
    }
    return this.commit(type, old, proposed, subresource);
  }

  private patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string,
    body: string,
    subresource: string | undefined,
  ): KubeObject {
    const old = this.get(type, namespace, name);
    let patched: unknown;
    switch (contentType) {
      case 'application/merge-patch+json':
        patched = mergePatch(old, parseJson(body));
        break;
      case 'application/json-patch+json':
        patched = jsonPatch(old, parseJson(body));
        break;
      case 'application/strategic-merge-patch+json':
        if (type.crd) {
          throw new ApiError(
            415,
            'UnsupportedMediaType',
            'strategic merge patch is not supported for custom resources',
          );
        }
        patched = mergePatch(old, parseJson(body));
        break;
      default:
        throw new ApiError(415, 'UnsupportedMediaType', `patch type ${contentType} not supported`);
    }
    const proposed = asObject(patched);
    const version = (proposed.metadata as { resourceVersion?: string } | undefined)
      ?.resourceVersion;
    if (version && version !== old.metadata.resourceVersion) {
      throw conflict(type.plural, name, type.group);
    }
    return this.commit(type, old, proposed, subresource);
  }

  /** The rules every update follows, whichever verb carried it. */
  private commit(
    type: ResourceType,
    old: KubeObject,
    proposed: Record<string, unknown>,
    subresource: string | undefined,
  ): KubeObject {
    let next: KubeObject;
    if (subresource === 'status') {
      next = { ...structuredClone(old), status: proposed.status };
      if (proposed.status === undefined) delete next.status;
    } else {
      next = { ...proposed, metadata: { ...(proposed.metadata as KubeObject['metadata']) } };
      if (type.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = structuredClone(old.status);
      }
      // Identity and lifecycle fields belong to the server.
      for (const field of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'generation',
      ] as const) {
        if (old.metadata[field] === undefined) delete next.metadata[field];
        else next.metadata[field] = old.metadata[field];
      }
      next.metadata.name = old.metadata.name;
      if (old.metadata.namespace) next.metadata.namespace = old.metadata.namespace;
      next.apiVersion = old.apiVersion;
      next.kind = old.kind;
    }
    if (type.statusSubresource && specChanged(old, next)) {
      next.metadata.generation = Number(old.metadata.generation ?? 1) + 1;
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;

    const checked = type.crd ? this.validated(type, next, old) : next;
    if (isDeepStrictEqual(checked, old)) return old;
    const finalizers = checked.metadata.finalizers as string[] | undefined;
    if (checked.metadata.deletionTimestamp && !finalizers?.length) {
      return this.store.remove(typeKey(type), checked);
    }
    const stored = this.store.write(typeKey(type), checked, 'MODIFIED');
    if (type.plural === 'customresourcedefinitions') this.serve(stored);
    return stored;
  }

  private delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: string,
  ): KubeObject {
    const old = this.get(type, namespace, name);
    const options = body ? (parseJson(body) as { preconditions?: Record<string, string> }) : {};
    const preconditions = options.preconditions ?? {};
    if (
      (preconditions.uid && preconditions.uid !== old.metadata.uid) ||
      (preconditions.resourceVersion &&
        preconditions.resourceVersion !== old.metadata.resourceVersion)
    ) {
      throw conflict(type.plural, name, type.group);
    }
    if ((old.metadata.finalizers as string[] | undefined)?.length) {
      if (old.metadata.deletionTimestamp) return old;
      const marked = structuredClone(old);
      marked.metadata.deletionTimestamp = kubeTime(this.now());
      marked.metadata.deletionGracePeriodSeconds = 0;
      if (type.statusSubresource) {
        marked.metadata.generation = Number(old.metadata.generation ?? 1) + 1;
      }
      return this.store.write(typeKey(type), marked, 'MODIFIED');
    }
    return this.store.remove(typeKey(type), old);
  }

  private watch(
    type: ResourceType,
    namespace: string | undefined,
    query: URLSearchParams,
    res: ServerResponse,
  ): void {
    const key = typeKey(type);
    const matches = parseLabelSelector(query.get('labelSelector'));
    const inScope = (o: KubeObject) =>
      (!namespace || o.metadata.namespace === namespace) && matches(labelsOf(o));
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // Clients wait for the headers before they count a watch as open.
    res.flushHeaders();
    const emit = (eventType: WatchEventType | 'ERROR', object: unknown) =>
      res.write(`${JSON.stringify({ type: eventType, object })}\n`);

    const from = query.get('resourceVersion');
    if (!from || from === '0') {
      for (const object of this.store.list(key, namespace).filter(inScope)) emit('ADDED', object);
    } else {
      const history = this.store.since(key, Number(from));
      if (history === 'expired') {
        emit(
          'ERROR',
          new ApiError(
            410,
            'Expired',
            `too old resource version: ${from} (${this.store.resourceVersion})`,
          ).toStatus(),
        );
        res.end();
        return;
      }
      for (const event of history) if (inScope(event.object)) emit(event.type, event.object);
    }

    this.watches.add(res);
    const unsubscribe = this.store.subscribe({
      typeKey: key,
      namespace,
      matches: (o) => matches(labelsOf(o)),
      send: emit,
    });
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
    const timer =
      timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined;
    res.on('close', () => {
      clearTimeout(timer);
      unsubscribe();
      this.watches.delete(res);
    });
  }

  /** Pruning, defaulting and validation from the CRD; 422 with field causes on any problem. */
  private validated(type: ResourceType, object: KubeObject, old?: KubeObject): KubeObject {
    if (!type.crd) return object;
    const result = this.validator.validate(object, old ? { oldObject: old } : {});
    if (result.problems.length > 0) {
      throw invalid(
        type.kind,
        type.group,
        object.metadata.name,
        result.problems.map((p) => ({
          reason: p.reason,
          message: p.message,
          ...(p.path ? { field: p.path } : {}),
        })),
      );
    }
    return result.object as KubeObject;
  }

  private serve(crdObject: KubeObject): void {
    const crd = crdObject as unknown as CustomResourceDefinition;
    const served = typesOfCrd(crd);
    this.types = [
      ...this.types.filter(
        (t) => !(t.group === crd.spec.group && t.plural === crd.spec.names.plural),
      ),
      ...served,
    ];
    const crds = this.types.flatMap((t) => (t.crd ? [t.crd] : []));
    this.validator = new CrdValidator([...new Set(crds)]);
  }
}

function typeKey(type: ResourceType): string {
  return `${type.group}/${type.plural}`;
}

function labelsOf(object: KubeObject): Record<string, string> {
  return (object.metadata.labels as Record<string, string> | undefined) ?? {};
}

/** Whether anything other than metadata and status differs. */
function specChanged(old: KubeObject, next: KubeObject): boolean {
  const strip = ({ metadata: _m, status: _s, ...rest }: KubeObject) => rest;
  return !isDeepStrictEqual(strip(old), strip(next));
}

function kubeTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw badRequest('the request body is not valid JSON');
  }
}

function asObject(value: unknown): KubeObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('the request body must be an object');
  }
  const object = value as KubeObject;
  object.metadata ??= { name: '' };
  return object;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

// JSON merge patch (RFC 7386) and JSON patch (RFC 6902), as the API server applies them.

export class PatchError extends Error {
  override readonly name = 'PatchError';
  constructor(
    readonly code: 'PATCH_INVALID' | 'PATCH_TEST_FAILED',
    message: string,
  ) {
    super(message);
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new PatchError('PATCH_INVALID', 'a JSON patch is a list');
  let doc = structuredClone(target) as Json;
  for (const raw of operations as Operation[]) {
    if (typeof raw?.op !== 'string' || typeof raw.path !== 'string') {
      throw new PatchError('PATCH_INVALID', 'each operation needs op and path');
    }
    switch (raw.op) {
      case 'add':
        doc = put(doc, pointer(raw.path), structuredClone(raw.value as Json), 'add');
        break;
      case 'replace':
        get(doc, pointer(raw.path));
        doc = put(doc, pointer(raw.path), structuredClone(raw.value as Json), 'replace');
        break;
      case 'remove':
        doc = remove(doc, pointer(raw.path));
        break;
      case 'test':
        if (JSON.stringify(get(doc, pointer(raw.path))) !== JSON.stringify(raw.value)) {
          throw new PatchError('PATCH_TEST_FAILED', `test failed at ${raw.path}`);
        }
        break;
      case 'move': {
        const value = get(doc, pointer(raw.from ?? ''));
        doc = put(remove(doc, pointer(raw.from ?? '')), pointer(raw.path), value, 'add');
        break;
      }
      case 'copy':
        doc = put(
          doc,
          pointer(raw.path),
          structuredClone(get(doc, pointer(raw.from ?? ''))),
          'add',
        );
        break;
      default:
        throw new PatchError('PATCH_INVALID', `unknown operation ${raw.op}`);
    }
  }
  return doc;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError('PATCH_INVALID', `bad pointer ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: Json, tokens: string[]): Json {
  let node: Json = doc;
  for (const token of tokens) {
    if (Array.isArray(node) && /^\d+$/.test(token) && Number(token) < node.length) {
      node = node[Number(token)]!;
    } else if (isObject(node) && token in node) {
      node = node[token]!;
    } else {
      throw new PatchError('PATCH_TEST_FAILED', `no value at /${tokens.join('/')}`);
    }
  }
  return node;
}

function put(doc: Json, tokens: string[], value: Json, mode: 'add' | 'replace'): Json {
  if (tokens.length === 0) return value;
  const parent = get(doc, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index > parent.length) {
      throw new PatchError('PATCH_INVALID', `index ${last} out of range`);
    }
    if (mode === 'add') parent.splice(index, 0, value);
    else parent[index] = value;
  } else if (isObject(parent)) {
    parent[last] = value;
  } else {
    throw new PatchError('PATCH_INVALID', `cannot set a field of a scalar at ${last}`);
  }
  return doc;
}

function remove(doc: Json, tokens: string[]): Json {
  const parent = get(doc, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1]!;
  get(doc, tokens);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isObject(parent)) delete parent[last];
  return doc;
}

function isObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The double's storage: objects by resource type, one resourceVersion counter for everything (as
// etcd's revision is), and a bounded history of changes that watches resume from. A watch asking
// for a version older than the history holds gets 410 Gone, as after etcd compaction.

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type KubeObject = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name: string; namespace?: string };
};

export interface StoredEvent {
  resourceVersion: number;
  type: WatchEventType;
  typeKey: string;
  object: KubeObject;
}

export interface Watcher {
  typeKey: string;
  namespace?: string;
  matches(object: KubeObject): boolean;
  send(type: WatchEventType, object: KubeObject): void;
}

const DEFAULT_HISTORY_EVENTS = 10_000;

export class ObjectStore {
  private revision = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: StoredEvent[] = [];
  /** Watches from a resourceVersion below this one get 410. */
  private oldestResumable = 0;
  private readonly watchers = new Set<Watcher>();

  constructor(private readonly historyEvents = DEFAULT_HISTORY_EVENTS) {}

  get resourceVersion(): number {
    return this.revision;
  }

  get(typeKey: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(typeKey)?.get(slot(namespace, name));
  }

  list(typeKey: string, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(typeKey)?.values() ?? [])];
    return (namespace ? all.filter((o) => o.metadata.namespace === namespace) : all).sort((a, b) =>
      slot(a.metadata.namespace, a.metadata.name).localeCompare(
        slot(b.metadata.namespace, b.metadata.name),
      ),
    );
  }

  /** Stores `object` with a new resourceVersion and tells the watches; returns what was stored. */
  write(typeKey: string, object: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(++this.revision);
    let byName = this.objects.get(typeKey);
    if (!byName) this.objects.set(typeKey, (byName = new Map()));
    byName.set(slot(stored.metadata.namespace, stored.metadata.name), stored);
    this.record(typeKey, type, stored);
    return structuredClone(stored);
  }

  remove(typeKey: string, object: KubeObject): KubeObject {
    const gone = structuredClone(object);
    gone.metadata.resourceVersion = String(++this.revision);
    this.objects.get(typeKey)?.delete(slot(gone.metadata.namespace, gone.metadata.name));
    this.record(typeKey, 'DELETED', gone);
    return structuredClone(gone);
  }

  /** Changes after `resourceVersion`, or `expired` when the history no longer reaches back. */
  since(typeKey: string, resourceVersion: number): StoredEvent[] | 'expired' {
    if (resourceVersion < this.oldestResumable) return 'expired';
    return this.history.filter((e) => e.typeKey === typeKey && e.resourceVersion > resourceVersion);
  }

  /** Forgets all history: every watch resumed from before now gets 410. */
  compact(): void {
    this.history = [];
    this.oldestResumable = this.revision + 1;
  }

  subscribe(watcher: Watcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  private record(typeKey: string, type: WatchEventType, object: KubeObject): void {
    const resourceVersion = this.revision;
    this.history.push({ resourceVersion, type, typeKey, object });
    if (this.history.length > this.historyEvents) {
      const dropped = this.history.splice(0, this.history.length - this.historyEvents);
      this.oldestResumable = dropped[dropped.length - 1]!.resourceVersion;
    }
    for (const watcher of this.watchers) {
      if (watcher.typeKey !== typeKey) continue;
      if (watcher.namespace && watcher.namespace !== object.metadata.namespace) continue;
      if (!watcher.matches(object)) continue;
      watcher.send(type, structuredClone(object));
    }
  }
}

function slot(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

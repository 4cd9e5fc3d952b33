// A streaming JSON reader that keeps only the fields it is asked for. It walks the bytes once,
// remembers the path of keys it is in, and lets every other string, number and subtree go by
// without holding on to it: a completion's text passes through and is gone.

/** What to do with the scalar found at a path: keep a number, keep a short string, or stream it. */
export type FieldKind = 'number' | 'string' | 'stream';

export interface FieldTable {
  readonly kinds: ReadonlyMap<string, FieldKind>;
  /** Every path that leads to a wanted field, so that other subtrees are skipped unread. */
  readonly prefixes: ReadonlySet<string>;
}

/** Builds a table from dotted paths anchored at the document root (`usage.prompt_tokens`). */
export function fieldTable(fields: Record<string, FieldKind>): FieldTable {
  const kinds = new Map(Object.entries(fields));
  const prefixes = new Set<string>();
  for (const path of kinds.keys()) {
    const parts = path.split('.');
    for (let i = 1; i < parts.length; i++) prefixes.add(parts.slice(0, i).join('.'));
  }
  return { kinds, prefixes };
}

export interface ScanListener {
  value(path: string, value: number | string): void;
  /** The decoded bytes of a `stream` field, piece by piece. */
  streamChunk?(path: string, bytes: Uint8Array): void;
  streamEnd?(path: string): void;
}

export type ScanOutcome = 'complete' | 'empty' | 'truncated' | 'malformed';

const MAX_DEPTH = 128;
const MAX_KEY_BYTES = 64;
const MAX_STRING_BYTES = 256;
const MAX_NUMBER_CHARS = 32;

const enum State {
  Value,
  KeyOrEnd,
  Key,
  Colon,
  AfterValue,
  String,
  Number,
  Literal,
  Skip,
  RootDone,
  Failed,
  ValueOrArrayEnd,
  KeyExpected,
}

const enum StringMode {
  Skip,
  Capture,
  Stream,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

// Sub-states of a string escape: none, just after `\`, or inside `\uXXXX` (hex digits left + 2).
const NO_ESCAPE = 0;
const AFTER_BACKSLASH = 1;

export class JsonFieldScanner {
  private state = State.Value;
  private readonly framePaths: (string | null)[] = [];
  private readonly frameIsObject: boolean[] = [];
  private rootIsArray = false;
  private sawValue = false;

  private key = '';
  private keyUsable = true;
  private valuePath: string | null = null;

  private stringMode = StringMode.Skip;
  private escape = NO_ESCAPE;
  private unicode = 0;
  private captured: number[] = [];
  private capturedOverflow = false;

  private scalar = '';
  private skipDepth = 0;
  private skipInString = false;

  constructor(
    private readonly table: FieldTable,
    private readonly listener: ScanListener,
  ) {}

  get failed(): boolean {
    return this.state === State.Failed;
  }

  /** Starts a fresh document, as each server-sent event is one. */
  reset(): void {
    this.state = State.Value;
    this.framePaths.length = 0;
    this.frameIsObject.length = 0;
    this.rootIsArray = false;
    this.sawValue = false;
    this.valuePath = null;
    this.scalar = '';
    this.skipDepth = 0;
    this.skipInString = false;
    this.escape = NO_ESCAPE;
  }

  /** Ends the document, reporting whether it was whole. */
  end(): ScanOutcome {
    // A number or literal at the very end has no byte after it to close it.
    if (this.state === State.Number || this.state === State.Literal) this.finishScalar();
    const state = this.state as State;
    if (state === State.Failed) return 'malformed';
    if (state === State.RootDone) return 'complete';
    return this.sawValue ? 'truncated' : 'empty';
  }

  write(bytes: Uint8Array): void {
    let i = 0;
    const n = bytes.length;
    while (i < n) {
      const c = bytes[i]!;
      switch (this.state) {
        case State.Failed:
          return;
        case State.Value:
        case State.ValueOrArrayEnd:
          if (isSpace(c)) {
            i++;
          } else if (c === 0x5d && this.state === State.ValueOrArrayEnd) {
            i++;
            this.closeContainer(false);
          } else {
            this.beginValue(c);
            i++;
          }
          break;
        case State.RootDone:
          if (isSpace(c)) i++;
          else this.state = State.Value; // another document follows (NDJSON, concatenated JSON)
          break;
        case State.KeyOrEnd:
        case State.KeyExpected:
          if (isSpace(c)) {
            i++;
          } else if (c === QUOTE) {
            this.key = '';
            this.keyUsable = true;
            this.escape = NO_ESCAPE;
            this.state = State.Key;
            i++;
          } else if (c === 0x7d && this.state === State.KeyOrEnd) {
            i++;
            this.closeContainer(true);
          } else {
            this.fail();
          }
          break;
        case State.Key:
          i = this.readKey(bytes, i);
          break;
        case State.Colon:
          if (isSpace(c)) i++;
          else if (c === 0x3a) {
            i++;
            this.state = State.Value;
          } else this.fail();
          break;
        case State.AfterValue:
          i = this.afterValue(c, i);
          break;
        case State.String:
          i =
            this.stringMode === StringMode.Skip
              ? this.skipString(bytes, i)
              : this.keepString(bytes, i);
          break;
        case State.Number:
          if (isNumberChar(c)) {
            if (this.scalar.length < MAX_NUMBER_CHARS) this.scalar += String.fromCharCode(c);
            else this.valuePath = null;
            i++;
          } else {
            this.finishScalar();
          }
          break;
        case State.Literal:
          if (c >= 0x61 && c <= 0x7a && this.scalar.length < 5) {
            this.scalar += String.fromCharCode(c);
            i++;
          } else {
            this.finishScalar();
          }
          break;
        case State.Skip:
          i = this.skipContainer(bytes, i);
          break;
      }
    }
  }

  private beginValue(c: number): void {
    this.sawValue = true;
    const path = this.pathForValue();
    switch (c) {
      case 0x7b: // {
      case 0x5b: {
        // [
        const isObject = c === 0x7b;
        const atRoot = this.framePaths.length === 0;
        const interesting = path !== null && (path === '' || this.table.prefixes.has(path));
        if (isObject && interesting) {
          this.push(path, true);
        } else if (!isObject && atRoot) {
          // A root array is a sequence of documents (Gemini's streamed JSON array).
          this.rootIsArray = true;
          this.push('', false);
        } else {
          this.skipDepth = 1;
          this.skipInString = false;
          this.escape = NO_ESCAPE;
          this.state = State.Skip;
        }
        return;
      }
      case QUOTE: {
        const kind = path === null ? undefined : this.table.kinds.get(path);
        this.valuePath = kind === 'string' || kind === 'stream' ? path : null;
        this.stringMode =
          kind === 'string'
            ? StringMode.Capture
            : kind === 'stream'
              ? StringMode.Stream
              : StringMode.Skip;
        this.captured = [];
        this.capturedOverflow = false;
        this.escape = NO_ESCAPE;
        this.state = State.String;
        return;
      }
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
          const kind = path === null ? undefined : this.table.kinds.get(path);
          this.valuePath = kind === 'number' ? path : null;
          this.scalar = String.fromCharCode(c);
          this.state = State.Number;
        } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
          this.valuePath = null;
          this.scalar = String.fromCharCode(c);
          this.state = State.Literal;
        } else {
          this.fail();
        }
    }
  }

  /** The dotted path of the value about to start, or null when nothing wanted lies there. */
  private pathForValue(): string | null {
    const depth = this.framePaths.length;
    if (depth === 0) return '';
    const parent = this.framePaths[depth - 1]!;
    if (!this.frameIsObject[depth - 1]) {
      return this.rootIsArray && depth === 1 ? '' : null;
    }
    if (parent === null || !this.keyUsable) return null;
    const path = parent === '' ? this.key : `${parent}.${this.key}`;
    return this.table.kinds.has(path) || this.table.prefixes.has(path) ? path : null;
  }

  private push(path: string | null, isObject: boolean): void {
    if (this.framePaths.length >= MAX_DEPTH) {
      this.fail();
      return;
    }
    this.framePaths.push(path);
    this.frameIsObject.push(isObject);
    this.state = isObject ? State.KeyOrEnd : State.ValueOrArrayEnd;
  }

  private closeContainer(isObject: boolean): void {
    const top = this.frameIsObject.length - 1;
    if (top < 0 || this.frameIsObject[top] !== isObject) {
      this.fail();
      return;
    }
    this.framePaths.pop();
    this.frameIsObject.pop();
    this.valueDone();
  }

  private valueDone(): void {
    this.state = this.framePaths.length === 0 ? State.RootDone : State.AfterValue;
  }

  private afterValue(c: number, i: number): number {
    if (isSpace(c)) return i + 1;
    const top = this.frameIsObject.length - 1;
    if (c === 0x2c) {
      this.state = this.frameIsObject[top] ? State.KeyExpected : State.Value;
    } else if (c === 0x7d || c === 0x5d) {
      this.closeContainer(c === 0x7d);
    } else {
      this.fail();
    }
    return i + 1;
  }

  private readKey(bytes: Uint8Array, i: number): number {
    const n = bytes.length;
    while (i < n) {
      const c = bytes[i++]!;
      if (this.escape !== NO_ESCAPE) {
        this.escape = NO_ESCAPE;
        continue;
      }
      if (c === BACKSLASH) {
        // No wanted key is spelled with an escape, so a key that has one matches nothing.
        this.keyUsable = false;
        this.escape = AFTER_BACKSLASH;
      } else if (c === QUOTE) {
        this.state = State.Colon;
        return i;
      } else if (this.keyUsable) {
        if (this.key.length < MAX_KEY_BYTES) this.key += String.fromCharCode(c);
        else this.keyUsable = false;
      }
    }
    return i;
  }

  private skipString(bytes: Uint8Array, i: number): number {
    const after = this.stringEnd(bytes, i);
    if (after < 0) return bytes.length;
    this.valueDone();
    return after;
  }

  /**
   * Where the string being skipped ends: the index after its closing quote, or -1 when this
   * piece ends first (the escape state then carries over). Every byte of every completion passes
   * here, so the search for a quote is a native one; a quote closes the string unless an odd run
   * of backslashes stands right before it.
   */
  private stringEnd(bytes: Uint8Array, i: number): number {
    const n = bytes.length;
    let escaped = this.escape !== NO_ESCAPE;
    for (;;) {
      const quote = bytes.indexOf(QUOTE, i);
      const end = quote < 0 ? n : quote;
      let run = 0;
      while (end - run - 1 >= i && bytes[end - run - 1] === BACKSLASH) run++;
      // A run reaching back to `i` begins with a byte that the previous piece's backslash escaped.
      const reachesStart = end - run === i;
      const endEscaped =
        reachesStart && run === 0 ? escaped : (reachesStart && escaped ? run - 1 : run) % 2 !== 0;
      if (quote < 0) {
        this.escape = endEscaped ? AFTER_BACKSLASH : NO_ESCAPE;
        return -1;
      }
      if (!endEscaped) {
        this.escape = NO_ESCAPE;
        return quote + 1;
      }
      i = quote + 1;
      escaped = false;
    }
  }

  private keepString(bytes: Uint8Array, i: number): number {
    const n = bytes.length;
    const streaming = this.stringMode === StringMode.Stream;
    let runStart = i;
    while (i < n) {
      const c = bytes[i]!;
      if (this.escape === NO_ESCAPE && c !== BACKSLASH && c !== QUOTE) {
        i++;
        if (!streaming) this.keep(c);
        continue;
      }
      if (streaming && runStart < i)
        this.listener.streamChunk?.(this.valuePath!, bytes.subarray(runStart, i));
      i++;
      runStart = i;
      if (this.escape === NO_ESCAPE) {
        if (c === BACKSLASH) {
          this.escape = AFTER_BACKSLASH;
          continue;
        }
        this.finishString();
        return i;
      }
      if (this.escape === AFTER_BACKSLASH) {
        if (c === 0x75) {
          this.escape = 6; // four hex digits follow
          this.unicode = 0;
        } else {
          this.escape = NO_ESCAPE;
          this.emitDecoded(Buffer.from([unescaped(c)]));
        }
      } else {
        this.unicode = this.unicode * 16 + hexValue(c);
        if (--this.escape === 2) {
          this.escape = NO_ESCAPE;
          this.emitDecoded(Buffer.from(String.fromCharCode(this.unicode), 'utf8'));
        }
      }
    }
    if (streaming && runStart < i)
      this.listener.streamChunk?.(this.valuePath!, bytes.subarray(runStart, i));
    return i;
  }

  private keep(c: number): void {
    if (this.captured.length < MAX_STRING_BYTES) this.captured.push(c);
    else this.capturedOverflow = true;
  }

  private emitDecoded(decoded: Uint8Array): void {
    if (this.stringMode === StringMode.Stream) {
      this.listener.streamChunk?.(this.valuePath!, decoded);
    } else {
      for (const b of decoded) this.keep(b);
    }
  }

  private finishString(): void {
    const path = this.valuePath;
    if (path !== null) {
      if (this.stringMode === StringMode.Stream) this.listener.streamEnd?.(path);
      else if (!this.capturedOverflow) {
        this.listener.value(path, Buffer.from(this.captured).toString('utf8'));
      }
    }
    this.captured = [];
    this.valueDone();
  }

  private finishScalar(): void {
    const text = this.scalar;
    if (this.state === State.Literal) {
      if (text !== 'true' && text !== 'false' && text !== 'null') {
        this.fail();
        return;
      }
    } else if (this.valuePath !== null) {
      const value = Number(text);
      if (Number.isFinite(value)) this.listener.value(this.valuePath, value);
    }
    this.valueDone();
  }

  private skipContainer(bytes: Uint8Array, i: number): number {
    const n = bytes.length;
    let depth = this.skipDepth;
    while (i < n) {
      if (this.skipInString) {
        const after = this.stringEnd(bytes, i);
        if (after < 0) break;
        this.skipInString = false;
        i = after;
        continue;
      }
      const c = bytes[i++];
      if (c === QUOTE) {
        this.skipInString = true;
        this.escape = NO_ESCAPE;
      } else if (c === 0x7b || c === 0x5b) {
        if (++depth > MAX_DEPTH) {
          this.fail();
          return n;
        }
      } else if (c === 0x7d || c === 0x5d) {
        if (--depth === 0) {
          this.skipDepth = 0;
          this.valueDone();
          return i;
        }
      }
    }
    this.skipDepth = depth;
    return n;
  }

  private fail(): void {
    this.state = State.Failed;
    this.captured = [];
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isNumberChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x65 || c === 0x45
  );
}

function unescaped(c: number): number {
  switch (c) {
    case 0x6e:
      return 0x0a;
    case 0x74:
      return 0x09;
    case 0x72:
      return 0x0d;
    case 0x62:
      return 0x08;
    case 0x66:
      return 0x0c;
    default:
      return c; // `\"`, `\\`, `\/`
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return 0;
}

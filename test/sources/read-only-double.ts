// The common part of the storage API doubles: a local HTTP server that answers the read calls a
// vendor's protocol defines for the calls Argmin makes, records every request, and answers any
// other request (a write: PUT, POST, DELETE, PATCH, or a read Argmin has no business making) with
// an error while keeping it in `refused`, which each suite checks is empty after every test.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  authorization: string | undefined;
}

export interface DoubleReply {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** Answers a read the protocol allows, or undefined when the request is not one. */
export type ReadHandler = (request: IncomingMessage, url: URL) => DoubleReply | undefined;

export interface ReadOnlyDouble {
  /** Root url of the server, e.g. `http://127.0.0.1:41234`. */
  endpoint: string;
  requests: SeenRequest[];
  /** Requests the double refused: any entry fails the suite. */
  refused: SeenRequest[];
  close(): Promise<void>;
}

export async function startReadOnlyDouble(handle: ReadHandler): Promise<ReadOnlyDouble> {
  const requests: SeenRequest[] = [];
  const refused: SeenRequest[] = [];

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    // The body of a request is drained before answering; a read has none worth keeping.
    request.resume();
    request.on('end', () => {
      const seen: SeenRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
      };
      requests.push(seen);
      const url = new URL(request.url ?? '/', 'http://double');
      const reply = request.method === 'GET' ? handle(request, url) : undefined;
      if (!reply) {
        refused.push(seen);
        response.writeHead(405, { 'content-type': 'text/plain' });
        response.end(`the double refuses ${seen.method} ${seen.url}: Argmin only reads`);
        return;
      }
      const body = reply.body === undefined ? Buffer.alloc(0) : Buffer.from(reply.body);
      response.writeHead(reply.status, {
        'content-length': String(body.length),
        ...reply.headers,
      });
      response.end(body);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    refused,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Objects of buckets (or containers), by name then key. */
export type Buckets = Map<string, Map<string, Buffer>>;

export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Keys under `prefix`, in key order, one page after the `after` token. */
export function page(
  keys: string[],
  prefix: string,
  size: number,
  after: string | undefined,
): { keys: string[]; next: string | undefined } {
  const matching = keys.filter((k) => k.startsWith(prefix)).sort();
  const start = after === undefined ? 0 : matching.findIndex((k) => k > after);
  const from = start === -1 ? matching.length : start;
  const slice = matching.slice(from, from + size);
  const more = from + size < matching.length;
  return { keys: slice, next: more ? slice[slice.length - 1] : undefined };
}

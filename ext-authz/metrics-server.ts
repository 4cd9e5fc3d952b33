// The HTTP side of the interceptor: `/metrics` for Prometheus, `/healthz` for liveness and
// `/readyz` for readiness (false once shutdown begins, so the Service stops sending calls).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { InterceptorError } from './errors.js';

export interface MetricsServer {
  address: string;
  close(): Promise<void>;
}

export async function startMetricsServer(
  listen: string,
  registry: Registry,
  ready: () => boolean,
): Promise<MetricsServer> {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(listen.trim());
  if (!match) {
    throw new InterceptorError(
      'BAD_LISTEN_ADDRESS',
      `--metrics-listen must be host:port, not "${listen}"`,
    );
  }
  const host = match[1]!.replace(/^\[|\]$/g, '');

  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (url === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else if (url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (url === '/readyz') {
      const isReady = ready();
      res.writeHead(isReady ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(isReady ? 'ready\n' : 'draining\n');
    } else {
      res.writeHead(404).end();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new InterceptorError('LISTEN_FAILED', `cannot listen on ${listen}: ${err.message}`)),
    );
    server.listen(Number(match[2]), host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const dialHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    address: `${dialHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Who is calling, as the proxy saw it: the peer's SPIFFE id (from the mTLS principal, its
// certificate, or a sanitized `x-forwarded-client-cert`), the Kubernetes service account that id
// names, and the source address. Never a credential: API keys and tokens are not read.
import { X509Certificate } from 'node:crypto';
import type { CallerIdentity } from '../attribution/index.js';

export interface Caller {
  identity: CallerIdentity;
  sourceAddress?: string;
  /** A peer principal that is not a SPIFFE id (a certificate subject, for instance). */
  principal?: string;
}

const MAX_TEXT_CHARS = 256;
const SPIFFE_SERVICE_ACCOUNT = /^spiffe:\/\/[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/;
const KUBERNETES_NAME = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/** Builds a caller from what the proxy reports, the first source that names one winning. */
export function callerFrom(sources: {
  principal?: string;
  /** A URI SAN of the peer certificate, as Envoy's `connection.uri_san_peer_certificate`. */
  spiffeUri?: string;
  certificate?: string;
  forwardedClientCert?: string;
  sourceAddress?: string;
}): Caller {
  const caller: Caller = { identity: {} };
  const spiffeId =
    spiffe(sources.principal) ??
    spiffe(sources.spiffeUri) ??
    spiffeFromCertificate(sources.certificate) ??
    spiffeFromForwardedClientCert(sources.forwardedClientCert);
  if (spiffeId) {
    caller.identity.spiffeId = spiffeId;
    const account = serviceAccountOf(spiffeId);
    if (account) caller.identity.serviceAccount = account;
  } else if (sources.principal && isPrintable(sources.principal)) {
    caller.principal = sources.principal.slice(0, MAX_TEXT_CHARS);
  }
  if (sources.sourceAddress && isPrintable(sources.sourceAddress)) {
    caller.sourceAddress = sources.sourceAddress.slice(0, MAX_TEXT_CHARS);
  }
  return caller;
}

/** `namespace/name` of the service account in an Istio-style SPIFFE id. */
export function serviceAccountOf(spiffeId: string): string | undefined {
  const match = SPIFFE_SERVICE_ACCOUNT.exec(spiffeId);
  if (!match) return undefined;
  const [, namespace, name] = match;
  if (!KUBERNETES_NAME.test(namespace!) || !KUBERNETES_NAME.test(name!)) return undefined;
  return `${namespace}/${name}`;
}

function spiffe(value: string | undefined): string | undefined {
  if (!value || !value.startsWith('spiffe://')) return undefined;
  if (value.length > MAX_TEXT_CHARS || !isPrintable(value)) return undefined;
  return value;
}

/** The SPIFFE URI SAN of a URL-encoded PEM certificate, as ext_authz forwards it. */
export function spiffeFromCertificate(encoded: string | undefined): string | undefined {
  if (!encoded) return undefined;
  try {
    const san = new X509Certificate(decodeURIComponent(encoded)).subjectAltName ?? '';
    for (const entry of san.split(', ')) {
      if (entry.startsWith('URI:')) {
        const id = spiffe(entry.slice('URI:'.length));
        if (id) return id;
      }
    }
  } catch {
    // A certificate that cannot be read names nobody.
  }
  return undefined;
}

/**
 * The URI of the nearest client in an `x-forwarded-client-cert` header. Envoy appends each hop's
 * element, so the last one describes the peer that connected to it.
 */
export function spiffeFromForwardedClientCert(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const elements = splitOutsideQuotes(header, ',');
  const nearest = elements[elements.length - 1] ?? '';
  for (const pair of splitOutsideQuotes(nearest, ';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim().toLowerCase() !== 'uri') continue;
    const id = spiffe(
      pair
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, ''),
    );
    if (id) return id;
  }
  return undefined;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && quoted) {
      current += c + (text[++i] ?? '');
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (c === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function isPrintable(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value);
}

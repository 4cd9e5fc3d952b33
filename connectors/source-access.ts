// How Argmin reaches a remote source: the credential a Kubernetes Secret holds (or none, for the
// workload's own identity through each SDK's default chain), and endpoints that tests point at
// local doubles of the vendors' APIs. Readers open files by path alone, so the access of the source
// being read travels with the read in an async context rather than through every reader.
import { AsyncLocalStorage } from 'node:async_hooks';
import { inspect } from 'node:util';

/**
 * A credential read from a Secret. It prints, logs and serializes as a placeholder, so a log line
 * or an error that carries it by mistake still leaks nothing; only a client constructor reveals it.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return '[secret]';
  }
}

/** Where each vendor API is reached; unset means the vendor's public endpoint. */
export interface SourceEndpoints {
  /** S3 REST endpoint, addressed path-style, e.g. `http://127.0.0.1:9000`. */
  s3?: string;
  /** Cloud Storage JSON API root, e.g. `http://127.0.0.1:4443`. */
  gcs?: string;
  /** Blob service root; the account name follows as the first path segment. */
  azureBlob?: string;
  /** BigQuery API root (without `/bigquery/v2`). */
  bigquery?: string;
}

/** Something that signs Google API requests, as google-auth-library's clients do. */
export interface GoogleAuthClient {
  getRequestHeaders(url?: string): Promise<unknown>;
}

export interface SourceAccess {
  /** The Secret's value, when the CloudConnector names one; otherwise the default chain. */
  credentials?: SecretValue;
  endpoints?: SourceEndpoints;
  /** AWS region of the export bucket's client; S3 redirects are not followed across regions. */
  awsRegion?: string;
  /** Google Cloud project that BigQuery requests are billed to and listed under. */
  gcpProjectId?: string;
  /** Entra tenant and client id of the workload identity Argmin runs as. */
  azureTenantId?: string;
  azureClientId?: string;
  /** A Google auth client to sign with instead of the Secret or the default chain. */
  googleAuthClient?: GoogleAuthClient;
}

const current = new AsyncLocalStorage<SourceAccess>();

/** Runs `work` with `access` as the access of every remote file it opens. */
export function withSourceAccess<T>(access: SourceAccess, work: () => Promise<T>): Promise<T> {
  return current.run(access, work);
}

/** The access of the source being read; the workload's own identity outside any. */
export function currentSourceAccess(): SourceAccess {
  return current.getStore() ?? {};
}

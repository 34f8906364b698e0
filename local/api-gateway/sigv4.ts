/**
 * AWS Signature Version 4 for HTTP API calls (service `execute-api`), with the AWS SDK's own signer
 * (@smithy/signature-v4): `signRequest` for clients (the smoke test), `verifySignature` for the API
 * Gateway emulator's IAM mode, which recomputes the signature with the caller's known secret exactly
 * as API Gateway does and compares.
 */
import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A request to sign or to verify. Header names are case-insensitive. */
export interface SignableRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/** SHA-256 and HMAC-SHA256 from node:crypto in the shape the signer wants. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytesOf(data: SourceData): Uint8Array | string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

class NodeSha256 {
  readonly #secret: Uint8Array | string | undefined;
  #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : bytesOf(secret);
    this.#hash = this.#fresh();
  }
  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
  update(data: SourceData): void {
    this.#hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    this.#hash = this.#fresh();
  }
}

function signer(credentials: AwsCredentials, region: string, service: string): SignatureV4 {
  // Why no applyChecksum: the x-amz-content-sha256 header is S3's; execute-api hashes the body itself.
  return new SignatureV4({
    credentials,
    region,
    service,
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
}

function toHttpRequest(request: SignableRequest, headers: Record<string, string>) {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of request.url.searchParams) {
    const existing = query[name];
    query[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return {
    method: request.method.toUpperCase(),
    protocol: request.url.protocol,
    hostname: request.url.hostname,
    ...(request.url.port ? { port: Number(request.url.port) } : {}),
    path: request.url.pathname,
    query,
    headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  };
}

/** The headers to send: the request's own plus `host`, `x-amz-date`, `authorization` (and the token). */
export async function signRequest(
  request: SignableRequest,
  credentials: AwsCredentials,
  region: string,
  options: { service?: string; signingDate?: Date } = {},
): Promise<Record<string, string>> {
  const headers = { ...lowerCased(request.headers), host: request.url.host };
  const signed = await signer(credentials, region, options.service ?? 'execute-api').sign(
    toHttpRequest(request, headers),
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  return signed.headers as Record<string, string>;
}

/** What a SigV4 `Authorization` header names. */
export interface SignatureClaims {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** Parses a SigV4 `Authorization` header; undefined when it is not one (an unsigned request). */
export function parseAuthorization(value: string | undefined): SignatureClaims | undefined {
  const match = value === undefined ? null : AUTHORIZATION.exec(value.trim());
  if (!match) return undefined;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as string[];
  return {
    accessKeyId: accessKeyId as string,
    date: date as string,
    region: region as string,
    service: service as string,
    signedHeaders: (signedHeaders as string).split(';'),
    signature: signature as string,
  };
}

/** Whether `request` carries a valid signature by `credentials` (claims parsed from its header). */
export async function verifySignature(
  request: SignableRequest,
  claims: SignatureClaims,
  credentials: AwsCredentials,
): Promise<boolean> {
  const headers = lowerCased(request.headers);
  const amzDate = headers['x-amz-date'];
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(claims.date)) return false;
  // A declared payload hash must be the body's: the signer would otherwise trust it over the body.
  const declaredHash = headers['x-amz-content-sha256'];
  const bodyHash = createHash('sha256')
    .update(request.body ?? '')
    .digest('hex');
  if (declaredHash !== undefined && declaredHash !== bodyHash) return false;
  const signedOnly: Record<string, string> = {};
  for (const name of claims.signedHeaders) {
    const value = name === 'host' ? (headers.host ?? request.url.host) : headers[name];
    if (value === undefined) return false;
    signedOnly[name] = value;
  }
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const recomputed = await signer(credentials, claims.region, claims.service).sign(
    toHttpRequest(request, signedOnly),
    { signingDate, signableHeaders: new Set(claims.signedHeaders), unsignableHeaders: new Set() },
  );
  const expected = parseAuthorization(String(recomputed.headers.authorization))?.signature ?? '';
  return (
    expected.length === claims.signature.length &&
    timingSafeEqual(Buffer.from(expected), Buffer.from(claims.signature))
  );
}

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

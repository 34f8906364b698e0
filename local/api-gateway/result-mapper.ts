/**
 * Turns what a Lambda handler returned into the HTTP response API Gateway sends (payload format 2.0),
 * and the gateway's own error responses. Pure.
 *
 * Rules (AWS: "Lambda function response for format 2.0", and the function URL response examples,
 * which follow the same schema):
 * - an object with a `statusCode` is a structured response: `headers`, `cookies` (one `set-cookie`
 *   each), `body` (base64-decoded when `isBase64Encoded`);
 * - anything else that is valid JSON is inferred as 200, `content-type: application/json`, with the
 *   function's JSON response as the body (a returned string arrives quoted);
 * - a malformed structured response is an integration failure: 500 `{"message":"Internal Server Error"}`.
 */

/** An HTTP response ready to write. Header values may repeat (set-cookie). */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

/** API Gateway's own error responses, each `{"message": ...}`. */
export const GatewayError = {
  internal: { statusCode: 500, message: 'Internal Server Error' },
  unavailable: { statusCode: 503, message: 'Service Unavailable' },
  tooLarge: { statusCode: 413, message: 'Request Entity Too Large' },
  /** No route matches the method and path (and there is no `$default` route). */
  notFound: { statusCode: 404, message: 'Not Found' },
  /** An IAM-authorized route called without a SigV4 signature. */
  forbidden: { statusCode: 403, message: 'Forbidden' },
  /** A signature by an access key the account does not know. */
  unknownAccessKey: { statusCode: 403, message: 'The security token included in the request is invalid.' },
  /** A signature that does not match the request. */
  badSignature: {
    statusCode: 403,
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
      'Access Key and signing method. Consult the service documentation for details.',
  },
} as const;

/** The response API Gateway sends when it, not the function, answers. */
export function gatewayErrorResponse(error: {
  readonly statusCode: number;
  readonly message: string;
}): HttpResponse {
  return {
    statusCode: error.statusCode,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify({ message: error.message })),
  };
}

type Scalar = string | number | boolean;

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function structuredResponse(result: Record<string, unknown>): HttpResponse | undefined {
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded = false } = result;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599)
    return undefined;
  if (!isPlainObject(headers) || !Object.values(headers).every(isScalar)) return undefined;
  if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === 'string')) return undefined;
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  if (typeof isBase64Encoded !== 'boolean') return undefined;
  const text = typeof body === 'string' ? body : '';
  const responseHeaders: Array<readonly [string, string]> = Object.entries(headers).map(([name, value]) => [
    name.toLowerCase(),
    String(value),
  ]);
  for (const cookie of cookies as string[]) responseHeaders.push(['set-cookie', cookie]);
  return {
    statusCode,
    headers: responseHeaders,
    body: Buffer.from(text, isBase64Encoded ? 'base64' : 'utf8'),
  };
}

/** Maps a handler's (JSON-serialisable) result to the HTTP response. */
export function mapResultV2(result: unknown): HttpResponse {
  if (isPlainObject(result) && 'statusCode' in result) {
    return structuredResponse(result) ?? gatewayErrorResponse(GatewayError.internal);
  }
  // Why `null` for undefined: the Node.js runtime serialises a handler that returns nothing as null.
  const json = JSON.stringify(result ?? null);
  return { statusCode: 200, headers: [['content-type', 'application/json']], body: Buffer.from(json) };
}

/**
 * Turns one HTTP request into the event an API Gateway HTTP API sends a Lambda proxy integration
 * (payload format 2.0). Pure: ids, times and the socket's address come in as arguments.
 *
 * Behaviour reproduced from AWS's documentation of payload format 2.0 (and, where it is silent,
 * from published captures of real HTTP API events):
 * - header names lower-cased; repeated headers joined with commas; `cookie` headers move to `cookies`;
 * - duplicate query parameters joined with commas in `queryStringParameters` (values decoded), the
 *   query string itself passed as received in `rawQueryString`;
 * - `rawPath` and `requestContext.http.path` are URL-decoded, as HTTP APIs deliver them;
 * - a body whose content type is not text is base64-encoded and flagged `isBase64Encoded`.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** What the emulator knows about one request. */
export interface HttpRequestInfo {
  readonly method: string;
  /** The request target as received: path plus optional `?query`. */
  readonly url: string;
  /** `1.1`, `2.0` */
  readonly httpVersion: string;
  /** Alternating names and values, as received (node's `req.rawHeaders`). */
  readonly rawHeaders: readonly string[];
  readonly sourceIp: string;
  readonly localPort: number;
  readonly body: Buffer;
}

/** The API's identity and this request's id and time. */
export interface EventContext {
  readonly apiId: string;
  readonly accountId: string;
  readonly requestId: string;
  readonly timeEpochMs: number;
  /** @default '$default' */
  readonly stage?: string;
  /** The matched route's key, e.g. `GET /v1/messages/{requestId}`. @default '$default' */
  readonly routeKey?: string;
  /** The matched route's path variables (decoded); omitted from the event when empty. */
  readonly pathParameters?: Readonly<Record<string, string>>;
  /** What an IAM authorizer reports about the verified caller (`requestContext.authorizer.iam`). */
  readonly iamCaller?: IamCaller;
}

/** The caller of an IAM-authorized route, as API Gateway reports it. */
export interface IamCaller {
  readonly accessKey: string;
  readonly accountId: string;
  readonly userArn: string;
  readonly userId: string;
}

const TEXT_TYPES = [
  /^text\//,
  /^application\/(.+\+)?json$/,
  /^application\/(.+\+)?xml$/,
  /^application\/javascript$/,
];

/** True when API Gateway passes a body of this content type as text rather than base64. */
export function isTextContentType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType !== undefined && mediaType !== '' && TEXT_TYPES.some((pattern) => pattern.test(mediaType));
}

/** `12/Mar/2020:19:03:58 +0000`, the CLF time API Gateway puts in `requestContext.time`. */
export function formatRequestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function collectHeaders(rawHeaders: readonly string[]): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter(Boolean),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const parameters: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const [rawName = '', ...rest] = pair.split('=');
    const name = safeDecode(rawName.replaceAll('+', ' '));
    const value = safeDecode(rest.join('=').replaceAll('+', ' '));
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

function traceId(epochMs: number, requestId: string): string {
  const hex = Buffer.from(requestId).toString('hex').padEnd(24, '0').slice(0, 24);
  return `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${hex}`;
}

/** Builds the payload format 2.0 event of one request. */
export function buildEventV2(request: HttpRequestInfo, context: EventContext): APIGatewayProxyEventV2 {
  const queryStart = request.url.indexOf('?');
  const rawTarget = queryStart === -1 ? request.url : request.url.slice(0, queryStart);
  const rawQueryString = queryStart === -1 ? '' : request.url.slice(queryStart + 1);
  const path = safeDecode(rawTarget);
  const { headers, cookies } = collectHeaders(request.rawHeaders);
  // Added by API Gateway in front of every integration.
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${request.sourceIp}`
    : request.sourceIp;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= traceId(context.timeEpochMs, context.requestId);
  if (request.body.length > 0) headers['content-length'] ??= String(request.body.length);
  const host = (headers.host ?? `127.0.0.1:${request.localPort}`).replace(/:\d+$/, '');
  const queryStringParameters = parseQuery(rawQueryString);
  const isBase64Encoded = request.body.length > 0 && !isTextContentType(headers['content-type']);
  const stage = context.stage ?? '$default';
  const routeKey = context.routeKey ?? '$default';
  const pathParameters =
    context.pathParameters && Object.keys(context.pathParameters).length > 0
      ? { pathParameters: { ...context.pathParameters } }
      : {};
  const authorizer = context.iamCaller
    ? {
        authorizer: {
          iam: {
            ...context.iamCaller,
            callerId: context.iamCaller.userId,
            cognitoIdentity: null,
            principalOrgId: null,
          },
        },
      }
    : {};
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    ...pathParameters,
    requestContext: {
      accountId: context.accountId,
      ...authorizer,
      apiId: context.apiId,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method.toUpperCase(),
        path,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: context.requestId,
      routeKey,
      stage,
      time: formatRequestTime(context.timeEpochMs),
      timeEpoch: context.timeEpochMs,
    },
    ...(request.body.length > 0 ? { body: request.body.toString(isBase64Encoded ? 'base64' : 'utf8') } : {}),
    isBase64Encoded,
  };
}

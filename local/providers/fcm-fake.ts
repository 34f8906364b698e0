/**
 * A local FCM: the HTTP v1 send API and the OAuth2 token endpoint a service account uses, each on
 * its own port as in Google's cloud (FCM being down leaves the token endpoint up), over the real
 * wire protocol (google-auth-library and lambdas/adapters/fcm-vendor.ts talk to
 * it with only an endpoint override):
 *
 *   POST /token                                 grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer,
 *                                               assertion=<RS256 JWT signed with the service account key>
 *                                               → {access_token, expires_in, token_type: "Bearer"}
 *   POST /v1/projects/{projectId}/messages:send Authorization: Bearer <access token>
 *                                               {"message": {"token", "notification", "data", …}}
 *                                               → {"name": "projects/{id}/messages/{message id}"}
 *
 * Errors come in Google's shapes: OAuth `{error, error_description}` from the token endpoint and
 * google.rpc `{"error": {code, message, status, details: [{"@type": …FcmError, errorCode}]}}` from
 * the send API (the assertion check: google-oauth-fake.ts). Faults (local/mock-vendor's set, admin endpoint alike): throttling answers 429
 * QUOTA_EXCEEDED, errors 503 UNAVAILABLE (both with Retry-After), the reject list 404 UNREGISTERED,
 * answerStatus that status with its google.rpc status name, resetRate a dropped connection.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { listen } from '../mock-vendor/fake-http.ts';
import type { MockVendorFaults } from '../mock-vendor/vendor-faults.ts';
import { assertionProblem } from './google-oauth-fake.ts';
import {
  createFakeState,
  type FakeState,
  type PushFake,
  type PushFakeOptions,
  parseObject,
  readText,
  startAdmin,
} from './push-fake-support.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const FCM_TOKEN = /^[A-Za-z0-9_:.-]{1,500}$/;
const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';

export { createServiceAccount, type GeneratedServiceAccount } from './google-oauth-fake.ts';

/** How to start a fake FCM. */
export interface FcmFakeOptions extends PushFakeOptions {
  readonly projectId: string;
  /** The service account allowed to get tokens (the assertion's `iss`). */
  readonly clientEmail: string;
  /** The service account's public key (PEM): assertions must verify against it. */
  readonly publicKeyPem: string;
  /** Lifetime of issued access tokens. @default 3600 */
  readonly accessTokenSeconds?: number;
}

/** A running fake FCM; `url` is the FCM endpoint, `tokenUrl` the OAuth2 token endpoint. */
export interface FcmFake extends PushFake {
  readonly tokenUrl: string;
  /** Access tokens issued so far. */
  tokenCount(): number;
  /** Revokes every issued access token (FCM then answers 401 UNAUTHENTICATED until a new one). */
  revokeTokens(): void;
  /** The `message` objects of accepted sends, in order. */
  messages(): readonly Record<string, unknown>[];
}

function reply(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  response.end(JSON.stringify(body));
}

/** A google.rpc error body, with an FcmError detail when `errorCode` is given. */
function rpcError(code: number, status: string, message: string, errorCode?: string): object {
  const details = errorCode ? [{ '@type': FCM_ERROR_TYPE, errorCode }] : undefined;
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

const MESSAGE_FIELDS = new Set([
  'name',
  'data',
  'notification',
  'android',
  'webpush',
  'apns',
  'fcm_options',
  'token',
  'topic',
  'condition',
]);
const PRIORITIES = new Set(['NORMAL', 'HIGH']);
/** google.rpc status names of the HTTP statuses an answerStatus fault may ask for. */
const RPC_STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** What FCM's v1 schema refuses in a message (unknown fields, non-string data, bad priority). */
function messageProblem(message: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(message).find((field) => !MESSAGE_FIELDS.has(field));
  if (unknown)
    return `Invalid JSON payload received. Unknown name "${unknown}" at 'message': Cannot find field.`;
  const data = message.data;
  if (
    data !== undefined &&
    (typeof data !== 'object' || data === null || Object.values(data).some((v) => typeof v !== 'string'))
  ) {
    return "Invalid value at 'message.data': data values must be strings";
  }
  const notification = message.notification as Record<string, unknown> | undefined;
  if (notification && Object.values(notification).some((v) => typeof v !== 'string')) {
    return "Invalid value at 'message.notification'";
  }
  const android = message.android as Record<string, unknown> | undefined;
  if (android?.priority !== undefined && !PRIORITIES.has(String(android.priority))) {
    return `Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), "${String(android.priority)}"`;
  }
  return undefined;
}

/** Starts a fake FCM (token endpoint + send API) and its admin endpoint. */
export async function startFcmFake(options: FcmFakeOptions): Promise<FcmFake> {
  const host = options.host ?? '127.0.0.1';
  const state = createFakeState(options);
  const accessTokens = new Map<string, number>();
  const accepted: Record<string, unknown>[] = [];
  let issued = 0;
  let tokenUrl = '';

  async function issueToken(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readText(request));
    if (form.get('grant_type') !== JWT_BEARER) {
      return reply(response, 400, {
        error: 'unsupported_grant_type',
        error_description: `Invalid grant_type: ${form.get('grant_type') ?? ''}`,
      });
    }
    const problem = assertionProblem(form.get('assertion') ?? '', { ...options, tokenUrl });
    if (problem) return reply(response, 400, { error: 'invalid_grant', error_description: problem });
    const lifetime = options.accessTokenSeconds ?? 3600;
    const token = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    accessTokens.set(token, Date.now() + lifetime * 1000);
    issued++;
    reply(response, 200, { access_token: token, expires_in: lifetime, token_type: 'Bearer' });
  }

  async function send(request: IncomingMessage, response: ServerResponse, projectId: string): Promise<void> {
    state.countRequest();
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const expiresAt = bearer ? accessTokens.get(bearer) : undefined;
    if (expiresAt === undefined || expiresAt <= Date.now()) {
      return reply(
        response,
        401,
        rpcError(
          401,
          'UNAUTHENTICATED',
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        ),
      );
    }
    if (projectId !== options.projectId) {
      return reply(
        response,
        403,
        rpcError(
          403,
          'PERMISSION_DENIED',
          `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${projectId}' (or it may not exist).`,
        ),
      );
    }
    const message = parseObject(await readText(request))?.message as Record<string, unknown> | undefined;
    const token = message?.token;
    if (typeof message !== 'object' || message === null || typeof token !== 'string') {
      return reply(response, 400, rpcError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.'));
    }
    const problem = messageProblem(message);
    if (problem) return reply(response, 400, rpcError(400, 'INVALID_ARGUMENT', problem));
    const faults: MockVendorFaults = state.faults();
    if (faults.answerStatus > 0) {
      const status = faults.answerStatus;
      return reply(response, status, rpcError(status, RPC_STATUS[status] ?? 'UNKNOWN', 'Injected fault.'));
    }
    await sleep(faults.latencyMs);
    // Reset fault: the connection drops after the request arrived, before delivery.
    if (state.dice(faults.resetRate)) return void request.socket.destroy();
    const retryAfter = { 'retry-after': String(faults.retryAfterSeconds) };
    if (state.isThrottled(faults)) {
      return reply(
        response,
        429,
        rpcError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for sending messages.', 'QUOTA_EXCEEDED'),
        retryAfter,
      );
    }
    if (state.dice(faults.errorRate)) {
      return reply(
        response,
        503,
        rpcError(503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE'),
        retryAfter,
      );
    }
    if (!FCM_TOKEN.test(token)) {
      return reply(
        response,
        400,
        rpcError(
          400,
          'INVALID_ARGUMENT',
          'The registration token is not a valid FCM registration token',
          'INVALID_ARGUMENT',
        ),
      );
    }
    const to = `fcm:${token}`;
    if (faults.rejectTo.includes(to) || faults.rejectTo.includes(token)) {
      return reply(
        response,
        404,
        rpcError(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED'),
      );
    }
    const data = (typeof message.data === 'object' && message.data !== null ? message.data : {}) as Record<
      string,
      unknown
    >;
    const name = `projects/${projectId}/messages/0:${Date.now()}%${randomUUID().slice(0, 8)}`;
    accepted.push(message);
    state.deliver({
      channel: 'push',
      to,
      deliveryId: String(data.deliveryId ?? ''),
      requestId: String(data.requestId ?? ''),
      vendorMessageId: name,
    });
    // Timeout fault: delivered, but the answer never comes; the socket closes when the client gives up.
    if (state.dice(faults.timeoutRate)) return;
    reply(response, 200, { name });
  }

  const fail = (response: ServerResponse) => () =>
    reply(response, 500, rpcError(500, 'INTERNAL', 'Internal error encountered.', 'INTERNAL'));
  const api = createServer((request, response) => {
    const sendPath = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(request.url ?? '');
    if (request.method !== 'POST' || !sendPath?.[1]) {
      return reply(response, 404, rpcError(404, 'NOT_FOUND', 'Requested entity was not found.'));
    }
    send(request, response, decodeURIComponent(sendPath[1])).catch(fail(response));
  });
  const oauth = createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/token')
      return reply(response, 404, { error: 'not_found' });
    issueToken(request, response).catch(fail(response));
  });
  const port = await listen(api, options.port ?? 0, host);
  const url = `http://${host}:${port}`;
  tokenUrl = `http://${host}:${await listen(oauth, 0, host)}/token`;

  const closeServer = async (server: typeof api) => {
    if (!server.listening) return;
    const closed = new Promise((done) => server.close(done));
    server.closeAllConnections();
    await closed;
  };
  const closeApi = () => closeServer(api);
  async function setFaults(change: Partial<MockVendorFaults>): Promise<MockVendorFaults> {
    const faults = state.update(change);
    if (faults.down) await closeApi();
    else if (!api.listening) await listen(api, port, host);
    return faults;
  }
  const admin = await startAdmin(host, options.adminPort ?? 0, state as FakeState, setFaults);
  if (state.faults().down) await closeApi();

  return {
    name: options.name,
    url,
    tokenUrl,
    adminUrl: admin.url,
    port,
    logPath: state.logPath,
    setFaults,
    faults: state.faults,
    deliveries: state.deliveries,
    requestCount: state.requestCount,
    tokenCount: () => issued,
    revokeTokens: () => accessTokens.clear(),
    messages: () => accepted,
    close: async () => {
      await Promise.all([closeApi(), closeServer(oauth), admin.close()]);
    },
  };
}

/**
 * A local APNs: HTTP/2 over TLS (a certificate from local-ca.ts), token authentication checked like
 * Apple checks it, answers in APNs' shapes (`:status` plus `{"reason": …}`, 410 with `timestamp`):
 *
 *   POST /3/device/<64 hex>  authorization: bearer <ES256 JWT: kid = key id, iss = team id, iat>
 *                            apns-topic, apns-push-type, apns-priority?, apns-id?
 *   200 + apns-id | 400 BadDeviceToken, DeviceTokenNotForTopic, MissingTopic, InvalidPushType,
 *   BadPriority, BadMessageId, PayloadEmpty | 403 MissingProviderToken, InvalidProviderToken,
 *   ExpiredProviderToken | 413 PayloadTooLarge | 429 TooManyProviderTokenUpdates (a connection's
 *   token replaced within 20 minutes) | faults: 429 TooManyRequests, 503 ServiceUnavailable,
 *   410 Unregistered (reject list), timeouts (delivered, never answered), down (port closed and every
 *   session reset), answerStatus (that status with its APNs reason), resetRate (stream reset before
 *   delivery). Not idempotent: a repeat is delivered again. Admin routes as local/mock-vendor.
 */
import { createPublicKey, generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import {
  constants,
  createSecureServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { listen } from '../mock-vendor/fake-http.ts';
import type { MockVendorFaults } from '../mock-vendor/vendor-faults.ts';
import type { LocalTls } from './local-ca.ts';
import {
  createFakeState,
  type PushFake,
  type PushFakeOptions,
  parseObject,
  readText,
  startAdmin,
} from './push-fake-support.ts';

const MAX_PAYLOAD_BYTES = 4096;
const TOKEN_MAX_AGE_S = 3600;
const TOKEN_MIN_INTERVAL_S = 20 * 60;
/** APNs reasons of the statuses an answerStatus fault may ask for. */
const REASONS: Readonly<Record<number, string>> = {
  400: 'BadDeviceToken',
  403: 'InvalidProviderToken',
  404: 'BadPath',
  405: 'MethodNotAllowed',
  410: 'Unregistered',
  413: 'PayloadTooLarge',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** How to start a fake APNs. */
export interface ApnsFakeOptions extends PushFakeOptions {
  readonly teamId: string;
  readonly keyId: string;
  /** The public half of the team's signing key (PEM): provider tokens must verify against it. */
  readonly publicKeyPem: string;
  /** The app's bundle id; another apns-topic gets DeviceTokenNotForTopic. */
  readonly topic: string;
  /** The server's TLS key and certificate (createLocalTls()). */
  readonly tls: Pick<LocalTls, 'keyPem' | 'certPem'>;
  /** Clock that judges token ages. @default Date.now */
  readonly now?: () => number;
}

/** One accepted notification as the fake received it. */
export interface ApnsNotification {
  readonly deviceToken: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly payload: Record<string, unknown>;
}

/** A running fake APNs; `url` is the origin to give the adapter. */
export interface ApnsFake extends PushFake {
  /** Accepted notifications, in order. */
  notifications(): readonly ApnsNotification[];
  /** The `iat` of every distinct provider token seen, in order. */
  tokenIssuedAts(): readonly number[];
  /** HTTP/2 connections accepted so far. */
  sessionCount(): number;
}

/** A throwaway APNs signing key (the .p8's PEM) and its public half. */
export function createApnsSigningKey(): { readonly signingKey: string; readonly publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    signingKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function answer(
  stream: ServerHttp2Stream,
  status: number,
  body?: object,
  headers: Record<string, string> = {},
): void {
  if (stream.destroyed || stream.closed) return;
  stream.respond({ ':status': status, ...headers, ...(body ? { 'content-type': 'application/json' } : {}) });
  stream.end(body ? JSON.stringify(body) : undefined);
}

/** Starts a fake APNs and its admin endpoint. */
export async function startApnsFake(options: ApnsFakeOptions): Promise<ApnsFake> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  const state = createFakeState(options);
  const publicKey = createPublicKey(options.publicKeyPem);
  const accepted: ApnsNotification[] = [];
  const issuedAts: number[] = [];
  const sessions = new Set<ServerHttp2Session>();
  const lastIat = new WeakMap<ServerHttp2Session, number>();
  let sessionTotal = 0;

  /** The 403/429 reason for this request's provider token, or undefined when it is good. */
  function tokenProblem(
    session: ServerHttp2Session,
    authorization: string | undefined,
  ): [number, string] | undefined {
    const jwt = /^bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!jwt) return [403, 'MissingProviderToken'];
    const [header, claims, signature] = jwt.split('.');
    const head = parseObject(Buffer.from(header ?? '', 'base64url').toString('utf8'));
    const body = parseObject(Buffer.from(claims ?? '', 'base64url').toString('utf8'));
    if (!head || !body || signature === undefined) return [403, 'InvalidProviderToken'];
    if (head.alg !== 'ES256' || head.kid !== options.keyId || body.iss !== options.teamId)
      return [403, 'InvalidProviderToken'];
    const isSigned = verify(
      'sha256',
      Buffer.from(`${header}.${claims}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    const iat = Number(body.iat);
    if (!isSigned || !Number.isInteger(iat)) return [403, 'InvalidProviderToken'];
    if (now() / 1000 - iat > TOKEN_MAX_AGE_S) return [403, 'ExpiredProviderToken'];
    const previous = lastIat.get(session);
    if (previous !== undefined && iat !== previous && Math.abs(iat - previous) < TOKEN_MIN_INTERVAL_S) {
      return [429, 'TooManyProviderTokenUpdates'];
    }
    lastIat.set(session, iat);
    if (!issuedAts.includes(iat)) issuedAts.push(iat);
    return undefined;
  }

  async function handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    state.countRequest();
    const text = await readText(stream);
    const path = /^\/3\/device\/([^/?]+)$/.exec(String(headers[':path']));
    if (!path?.[1]) return answer(stream, 404, { reason: 'BadPath' });
    if (headers[':method'] !== 'POST') return answer(stream, 405, { reason: 'MethodNotAllowed' });
    const problem = tokenProblem(stream.session as ServerHttp2Session, headers.authorization);
    if (problem) return answer(stream, problem[0], { reason: problem[1] });
    const apnsId = typeof headers['apns-id'] === 'string' ? headers['apns-id'] : randomUUID();
    if (!UUID.test(apnsId)) return answer(stream, 400, { reason: 'BadMessageId' });
    const topic = headers['apns-topic'];
    if (!topic) return answer(stream, 400, { reason: 'MissingTopic' });
    if (headers['apns-push-type'] !== 'alert' && headers['apns-push-type'] !== 'background') {
      return answer(stream, 400, { reason: 'InvalidPushType' });
    }
    const priority = headers['apns-priority'];
    if (priority !== undefined && !['10', '5', '1'].includes(String(priority)))
      return answer(stream, 400, { reason: 'BadPriority' });
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES)
      return answer(stream, 413, { reason: 'PayloadTooLarge' });
    const payload = parseObject(text);
    if (!payload) return answer(stream, 400, { reason: 'PayloadEmpty' });
    const deviceToken = path[1];
    if (!/^[0-9a-fA-F]{64}$/.test(deviceToken)) return answer(stream, 400, { reason: 'BadDeviceToken' });
    if (topic !== options.topic) return answer(stream, 400, { reason: 'DeviceTokenNotForTopic' });
    const faults: MockVendorFaults = state.faults();
    const echo = { 'apns-id': apnsId };
    if (faults.answerStatus > 0) {
      return answer(
        stream,
        faults.answerStatus,
        { reason: REASONS[faults.answerStatus] ?? 'InternalServerError' },
        echo,
      );
    }
    await sleep(faults.latencyMs);
    // Reset fault: the stream is reset after the request arrived, before delivery.
    if (state.dice(faults.resetRate)) return void stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    if (state.isThrottled(faults)) {
      return answer(
        stream,
        429,
        { reason: 'TooManyRequests' },
        { ...echo, 'retry-after': String(faults.retryAfterSeconds) },
      );
    }
    if (state.dice(faults.errorRate)) return answer(stream, 503, { reason: 'ServiceUnavailable' }, echo);
    const to = `apns:${deviceToken.toLowerCase()}`;
    if (faults.rejectTo.includes(to) || faults.rejectTo.includes(deviceToken)) {
      return answer(stream, 410, { reason: 'Unregistered', timestamp: now() }, echo);
    }
    const pick = (name: string) =>
      typeof headers[name] === 'string' ? (headers[name] as string) : undefined;
    accepted.push({
      deviceToken,
      headers: Object.fromEntries(
        ['apns-id', 'apns-topic', 'apns-push-type', 'apns-priority'].map((name) => [name, pick(name)]),
      ),
      payload,
    });
    state.deliver({
      channel: 'push',
      to,
      deliveryId: String(payload.deliveryId ?? ''),
      requestId: String(payload.requestId ?? ''),
      vendorMessageId: apnsId,
    });
    // Timeout fault: delivered, but the answer never comes; the stream closes when the client gives up.
    if (state.dice(faults.timeoutRate)) return;
    answer(stream, 200, undefined, echo);
  }

  const server = createSecureServer({ key: options.tls.keyPem, cert: options.tls.certPem });
  server.on('session', (session) => {
    sessionTotal++;
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => {});
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    handle(stream, headers).catch(() => answer(stream, 500, { reason: 'InternalServerError' }));
  });
  const port = await listen(server, options.port ?? 0, host);

  async function closeApi(): Promise<void> {
    if (!server.listening) return;
    const closed = new Promise((done) => server.close(done));
    // Why destroy: server.close() waits for open sessions; "down" means connections drop now.
    for (const session of sessions) session.destroy();
    await closed;
  }
  async function setFaults(change: Partial<MockVendorFaults>): Promise<MockVendorFaults> {
    const faults = state.update(change);
    if (faults.down) await closeApi();
    else if (!server.listening) await listen(server, port, host);
    return faults;
  }
  const admin = await startAdmin(host, options.adminPort ?? 0, state, setFaults);
  if (state.faults().down) await closeApi();

  return {
    name: options.name,
    url: `https://${host}:${port}`,
    adminUrl: admin.url,
    port,
    logPath: state.logPath,
    setFaults,
    faults: state.faults,
    deliveries: state.deliveries,
    requestCount: state.requestCount,
    notifications: () => accepted,
    tokenIssuedAts: () => issuedAts,
    sessionCount: () => sessionTotal,
    close: async () => {
      await Promise.all([closeApi(), admin.close()]);
    },
  };
}

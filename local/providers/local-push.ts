/**
 * Starts the push provider fakes with fresh credentials and hands back, for each, the fake (driven
 * like a mock vendor: url, adminUrl, faults, deliveries) and the adapter settings that reach it (all
 * strings, so they can travel to the dispatcher process as JSON). Add `timeoutMs` and pass them to
 * createFcmVendor / createApnsVendor.
 */
import { type ApnsFake, createApnsSigningKey, startApnsFake } from './apns-fake.ts';
import {
  createServiceAccount,
  type FcmFake,
  type GeneratedServiceAccount,
  startFcmFake,
} from './fcm-fake.ts';
import { createLocalTls, type LocalTls } from './local-ca.ts';
import type { PushFakeOptions } from './push-fake-support.ts';

/** FcmVendorOptions (lambdas/adapters/fcm-vendor.ts) but timeoutMs; local/ does not import adapters. */
export interface LocalFcmSettings {
  readonly name: string;
  /** The service-account key JSON, its token_uri pointing at the fake's token endpoint. */
  readonly serviceAccountKey: string;
  readonly endpoint: string;
}

/** ApnsVendorOptions (lambdas/adapters/apns-vendor.ts) but timeoutMs. */
export interface LocalApnsSettings {
  readonly name: string;
  readonly teamId: string;
  readonly keyId: string;
  readonly signingKey: string;
  readonly topic: string;
  readonly endpoint: string;
  /** The CA that signed the fake's certificate. */
  readonly caPem: string;
}

/** A fake and the adapter settings that send to it. */
export interface LocalPushProvider<Fake, Options> {
  readonly fake: Fake;
  readonly vendorOptions: Options;
}

/**
 * Both halves of a push fake's credentials: the fake checks with one, the adapter signs with the
 * other. Made once by whoever outlives the fake (the runtime), so a restarted fake keeps them.
 */
export type LocalPushCredentials =
  | { readonly service: 'fcm'; readonly account: GeneratedServiceAccount }
  | {
      readonly service: 'apns';
      readonly key: { readonly signingKey: string; readonly publicKeyPem: string };
      readonly tls: LocalTls;
    };

/** New credentials for a local FCM (project `projectId`) or APNs fake. */
export function createLocalPushCredentials(
  service: 'fcm' | 'apns',
  projectId = 'herald-local',
): LocalPushCredentials {
  return service === 'fcm'
    ? { service, account: createServiceAccount(projectId) }
    : { service, key: createApnsSigningKey(), tls: createLocalTls() };
}

/** Starts a fake FCM for project `herald-local` with `account`, or a new service account. */
export async function startLocalFcm(
  options: PushFakeOptions & { readonly projectId?: string; readonly account?: GeneratedServiceAccount },
): Promise<LocalPushProvider<FcmFake, LocalFcmSettings>> {
  const { account: given, ...fakeOptions } = options;
  const projectId = given?.key.project_id ?? options.projectId ?? 'herald-local';
  const account = given ?? createServiceAccount(projectId);
  const fake = await startFcmFake({
    ...fakeOptions,
    projectId,
    clientEmail: account.key.client_email,
    publicKeyPem: account.publicKeyPem,
  });
  return {
    fake,
    vendorOptions: {
      name: options.name,
      serviceAccountKey: JSON.stringify({ ...account.key, token_uri: fake.tokenUrl }),
      endpoint: fake.url,
    },
  };
}

/** Starts a fake APNs (TLS from `tls`, e.g. one createLocalTls() per runtime) with `key` or a new signing key. */
export async function startLocalApns(
  options: PushFakeOptions & {
    readonly tls: LocalTls;
    readonly topic?: string;
    readonly key?: { readonly signingKey: string; readonly publicKeyPem: string };
  },
): Promise<LocalPushProvider<ApnsFake, LocalApnsSettings>> {
  const { key: given, ...fakeOptions } = options;
  const key = given ?? createApnsSigningKey();
  const topic = options.topic ?? 'dev.herald.local';
  const ids = { teamId: 'HERALDTEAM', keyId: 'HERALDKEY1' };
  const fake = await startApnsFake({ ...fakeOptions, ...ids, topic, publicKeyPem: key.publicKeyPem });
  return {
    fake,
    vendorOptions: {
      name: options.name,
      ...ids,
      signingKey: key.signingKey,
      topic,
      endpoint: fake.url,
      caPem: options.tls.caPem,
    },
  };
}

/**
 * Starts the push provider fakes with fresh credentials and hands back, for each, the fake (driven
 * like a mock vendor: url, adminUrl, faults, deliveries) and the adapter settings that reach it (all
 * strings, so they can travel to the dispatcher process as JSON). Add `timeoutMs` and pass them to
 * createFcmVendor / createApnsVendor.
 */
import { type ApnsFake, createApnsSigningKey, startApnsFake } from './apns-fake.ts';
import { createServiceAccount, type FcmFake, startFcmFake } from './fcm-fake.ts';
import type { LocalTls } from './local-ca.ts';
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

/** Starts a fake FCM for project `herald-local` with a new service account. */
export async function startLocalFcm(
  options: PushFakeOptions & { readonly projectId?: string },
): Promise<LocalPushProvider<FcmFake, LocalFcmSettings>> {
  const projectId = options.projectId ?? 'herald-local';
  const account = createServiceAccount(projectId);
  const fake = await startFcmFake({
    ...options,
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

/** Starts a fake APNs (TLS from `tls`, e.g. one createLocalTls() per runtime) with a new signing key. */
export async function startLocalApns(
  options: PushFakeOptions & { readonly tls: LocalTls; readonly topic?: string },
): Promise<LocalPushProvider<ApnsFake, LocalApnsSettings>> {
  const key = createApnsSigningKey();
  const topic = options.topic ?? 'dev.herald.local';
  const ids = { teamId: 'HERALDTEAM', keyId: 'HERALDKEY1' };
  const fake = await startApnsFake({ ...options, ...ids, topic, publicKeyPem: key.publicKeyPem });
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

/**
 * Starts the push provider fakes with fresh credentials and hands back, for each, the fake (driven
 * like a mock vendor: url, adminUrl, faults, deliveries) and the adapter settings that reach it (all
 * strings, so they can travel to the dispatcher process as JSON). Add `timeoutMs` and pass them to
 * createFcmVendor / createApnsVendor.
 */
import type { ApnsVendorOptions } from '../../lambdas/adapters/apns-vendor.ts';
import type { FcmVendorOptions } from '../../lambdas/adapters/fcm-vendor.ts';
import { type ApnsFake, createApnsSigningKey, startApnsFake } from './apns-fake.ts';
import { createServiceAccount, type FcmFake, startFcmFake } from './fcm-fake.ts';
import type { LocalTls } from './local-ca.ts';
import type { ProviderFakeOptions } from './provider-fake.ts';

/** A fake and the adapter settings that send to it. */
export interface LocalPushProvider<Fake, Options> {
  readonly fake: Fake;
  readonly vendorOptions: Options;
}

/** Starts a fake FCM for project `herald-local` with a new service account. */
export async function startLocalFcm(
  options: ProviderFakeOptions & { readonly projectId?: string },
): Promise<LocalPushProvider<FcmFake, Omit<FcmVendorOptions, 'timeoutMs'>>> {
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
  options: ProviderFakeOptions & { readonly tls: LocalTls; readonly topic?: string },
): Promise<LocalPushProvider<ApnsFake, Omit<ApnsVendorOptions, 'timeoutMs'>>> {
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

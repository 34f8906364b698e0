/**
 * The vendor providers a channel's tiers can use, each as one settings schema (validated at cold start
 * with the rest of the vendors JSON) and the channels it can serve. The adapter each provider builds
 * is in vendor-factories.ts; adding a provider is one entry here and one there (the factory map is typed
 * by this one, so a missing factory does not compile).
 *
 * AWS providers take no credentials: they use the function's role (the SDK's default chain).
 */
import { z } from 'zod';
import type { Channel } from '../core/delivery.ts';

const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'an AWS region such as eu-west-1');
/** A local fake's endpoint (tests, `npm start`); in AWS leave it out for the regional endpoint. */
const endpoint = z.url({ protocol: /^https?$/ }).optional();
const configurationSetName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - (at most 64)')
  .optional();

/** Every provider: its settings (beside the common name, weight, timeouts …) and its channels. */
export const vendorProviders = {
  /** The generic HTTP JSON vendor (lambdas/adapters/http-vendor.ts), the shape of most Korean SMS vendors. */
  http: {
    channels: ['sms', 'push', 'email'],
    settings: {
      url: z.url({ protocol: /^https?$/ }),
      auth: z.strictObject({ header: z.string().min(1), value: z.string().min(1) }).optional(),
    },
  },
  /** AWS End User Messaging SMS, SendTextMessage (lambdas/adapters/eum-sms-vendor.ts). */
  'eum-sms': {
    channels: ['sms'],
    settings: {
      region: awsRegion,
      /** Phone number, sender id or pool (id or ARN). */
      originationIdentity: z.string().min(1).max(256),
      messageType: z.enum(['TRANSACTIONAL', 'PROMOTIONAL']),
      configurationSetName,
      endpoint,
    },
  },
  /** Amazon SES v2, SendEmail (lambdas/adapters/ses-vendor.ts). */
  ses: {
    channels: ['email'],
    settings: {
      region: awsRegion,
      fromEmailAddress: z.email(),
      configurationSetName,
      endpoint,
    },
  },
  /** Firebase Cloud Messaging HTTP v1 (lambdas/adapters/fcm-vendor.ts): `fcm:` push recipients. */
  fcm: {
    channels: ['push'],
    settings: {
      /** The service-account key file's JSON text: put it in the vendors secret, never the environment. */
      serviceAccountKey: z.string().min(2),
      projectId: z
        .string()
        .regex(/^[a-z][a-z0-9-]{4,62}$/, 'a Firebase project id')
        .optional(),
      endpoint,
      tokenUrl: z.url({ protocol: /^https?$/ }).optional(),
    },
  },
  /** Apple Push Notification service over HTTP/2 (lambdas/adapters/apns-vendor.ts): `apns:` recipients. */
  apns: {
    channels: ['push'],
    settings: {
      teamId: z.string().regex(/^[A-Z0-9]{10}$/, '10 letters or digits'),
      keyId: z.string().regex(/^[A-Z0-9]{10}$/, '10 letters or digits'),
      /** The .p8 signing key's PEM: put it in the vendors secret, never the environment. */
      signingKey: z.string().includes('PRIVATE KEY', { message: 'a PEM private key (.p8)' }),
      topic: z.string().min(1).max(255),
      endpoint,
      caPem: z.string().includes('CERTIFICATE', { message: 'a PEM certificate' }).optional(),
    },
  },
} as const satisfies Record<
  string,
  { readonly channels: readonly Channel[]; readonly settings: z.ZodRawShape }
>;

/** A provider's name. */
export type VendorProvider = keyof typeof vendorProviders;

/** The provider when a vendor names none: the generic HTTP vendor. */
export const DEFAULT_PROVIDER: VendorProvider = 'http';

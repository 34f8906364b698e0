/**
 * One factory per provider of vendor-providers.ts: builds the adapter from a validated VendorSpec.
 * Called by handler.ts once per container. Typed by the provider map, so a provider without a factory
 * does not compile.
 */
import { createApnsVendor } from '../adapters/apns-vendor.ts';
import { EumSmsVendor } from '../adapters/eum-sms-vendor.ts';
import { createFcmVendor } from '../adapters/fcm-vendor.ts';
import { HttpVendor } from '../adapters/http-vendor.ts';
import { SesVendor } from '../adapters/ses-vendor.ts';
import type { Vendor } from '../ports/vendor.ts';
import type { VendorProvider } from './vendor-providers.ts';
import type { VendorSpec, VendorSpecOf } from './vendors-config.ts';

const factories: { readonly [P in VendorProvider]: (spec: VendorSpecOf<P>) => Vendor } = {
  http: (spec) =>
    new HttpVendor({
      name: spec.name,
      url: spec.url,
      timeoutMs: spec.timeoutMs,
      ...(spec.auth ? { auth: { name: spec.auth.header, value: spec.auth.value } } : {}),
    }),
  'eum-sms': (spec) =>
    new EumSmsVendor({
      name: spec.name,
      region: spec.region,
      originationIdentity: spec.originationIdentity,
      messageType: spec.messageType,
      timeoutMs: spec.timeoutMs,
      maxSockets: spec.maxConcurrent,
      ...(spec.configurationSetName ? { configurationSetName: spec.configurationSetName } : {}),
      ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
    }),
  ses: (spec) =>
    new SesVendor({
      name: spec.name,
      region: spec.region,
      fromEmailAddress: spec.fromEmailAddress,
      timeoutMs: spec.timeoutMs,
      maxSockets: spec.maxConcurrent,
      ...(spec.configurationSetName ? { configurationSetName: spec.configurationSetName } : {}),
      ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
    }),
  fcm: (spec) =>
    createFcmVendor({
      name: spec.name,
      serviceAccountKey: spec.serviceAccountKey,
      timeoutMs: spec.timeoutMs,
      ...(spec.projectId ? { projectId: spec.projectId } : {}),
      ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
      ...(spec.tokenUrl ? { tokenUrl: spec.tokenUrl } : {}),
    }),
  apns: (spec) =>
    createApnsVendor({
      name: spec.name,
      teamId: spec.teamId,
      keyId: spec.keyId,
      signingKey: spec.signingKey,
      topic: spec.topic,
      timeoutMs: spec.timeoutMs,
      ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
      ...(spec.caPem ? { caPem: spec.caPem } : {}),
    }),
};

/** The adapter for one configured vendor. */
export function createVendor(spec: VendorSpec): Vendor {
  return (factories[spec.provider] as (spec: VendorSpec) => Vendor)(spec);
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderOpenApiDocument } from '../../../cli/write-openapi.ts';
import { buildOpenApiDocument } from '../../../lambdas/ingest/openapi.ts';
import { sendMessageRequest } from '../../../lambdas/ingest/request-schema.ts';
import { apiEvent } from './support/api-event.ts';
import { fakeIngest } from './support/harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: walks a JSON document whose shape the assertions check
type Json = Record<string, any>;
const doc = buildOpenApiDocument() as Json;

/** The value with every `#/components/schemas/X` reference replaced by the schema itself. */
function inlineRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(inlineRefs);
  if (value === null || typeof value !== 'object') return value;
  const ref = (value as Json).$ref;
  if (typeof ref === 'string') return inlineRefs(doc.components.schemas[ref.split('/').pop() ?? '']);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inlineRefs(v)]));
}

describe('OpenAPI document', () => {
  it('is committed up to date in docs/openapi.json (regenerate: node cli/write-openapi.ts)', () => {
    const committed = readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderOpenApiDocument());
  });

  it('is what GET /v1/openapi.json serves', async () => {
    const response = await fakeIngest().call(apiEvent({ method: 'GET', path: '/v1/openapi.json' }));
    expect(response.json).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('describes the request with the very schema that validates it', () => {
    const generated = z.toJSONSchema(sendMessageRequest, { io: 'input' }) as Json;
    const fromDoc = doc.components.schemas.SendMessageRequest;
    expect(fromDoc.oneOf.map((o: Json) => o.properties.channel.const)).toEqual(['sms', 'email', 'push']);
    expect(inlineRefs(fromDoc.oneOf)).toEqual(generated.oneOf);
    for (const variant of fromDoc.oneOf) {
      expect(variant.additionalProperties).toBe(false);
      expect(variant.properties.recipients).toMatchObject({ minItems: 1, maxItems: 100 });
    }
    expect(doc.components.schemas.MessageContent.properties.body).toMatchObject({
      minLength: 1,
      maxLength: 2000,
    });
  });

  it('documents every route the app serves, with its refusals', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(['/v1/messages', '/v1/messages/{requestId}', '/v1/openapi.json']);
    expect(Object.keys(doc.paths['/v1/messages'].post.responses)).toEqual(
      expect.arrayContaining(['202', '400', '401', '409', '413', '415', '422', '503']),
    );
    expect(doc.paths['/v1/messages'].post.parameters[0].description).toMatch(
      /WITHOUT this header every call is a new request/,
    );
    const ingest = fakeIngest();
    expect(
      (await ingest.call(apiEvent({ method: 'GET', path: `/v1/messages/${'a'.repeat(64)}` }))).statusCode,
    ).toBe(404);
    expect((await ingest.call(apiEvent({ method: 'GET', path: '/v1/openapi.json' }))).statusCode).toBe(200);
  });

  it('leaves no dangling $ref', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(doc.components.schemas).toHaveProperty([ref as string]);
  });
});

/**
 * Writes the ingest API's OpenAPI 3.1 document (generated from the request schemas) to a file.
 * Usage: node local/write-openapi.ts [path]   (default docs/openapi.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildOpenApiDocument } from '../lambdas/ingest/openapi.ts';

/** The document as committed: 2-space JSON with a trailing newline. */
export function renderOpenApiDocument(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

if (import.meta.main) {
  const target = resolve(process.argv[2] ?? 'docs/openapi.json');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, renderOpenApiDocument());
  console.log(`wrote ${target}`);
}

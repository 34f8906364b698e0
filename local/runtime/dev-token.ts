/**
 * The bearer token the local API accepts. With HERALD_API_TOKENS set, its first token is shown in the
 * banner's curl; otherwise a development token is generated once and kept in the Herald home, so the
 * same token works across restarts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The tokens the ingest Lambda gets, and the one to show. */
export interface DevToken {
  /** HERALD_API_TOKENS value: `token=clientId[,token=clientId...]`. */
  readonly apiTokens: string;
  readonly token: string;
  readonly clientId: string;
  readonly source: 'environment' | 'generated' | 'kept';
}

/** Client id of the generated development token. */
export const DEV_CLIENT_ID = 'local-dev';

/** Resolves the token from `apiTokens` (HERALD_API_TOKENS) or the kept/generated one in `tokenFile`. */
export function resolveDevToken(apiTokens: string | undefined, tokenFile: string): DevToken {
  if (apiTokens?.trim()) {
    const [first = ''] = apiTokens.split(',');
    const at = first.indexOf('=');
    if (at < 1) throw new Error('HERALD_API_TOKENS must look like token=clientId[,token=clientId...]');
    return {
      apiTokens: apiTokens.trim(),
      token: first.slice(0, at).trim(),
      clientId: first.slice(at + 1).trim(),
      source: 'environment',
    };
  }
  const isKept = existsSync(tokenFile);
  const token = isKept
    ? readFileSync(tokenFile, 'utf8').trim()
    : `herald-dev-${randomBytes(18).toString('base64url')}`;
  if (!isKept) {
    mkdirSync(dirname(tokenFile), { recursive: true });
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  }
  return {
    apiTokens: `${token}=${DEV_CLIENT_ID}`,
    token,
    clientId: DEV_CLIENT_ID,
    source: isKept ? 'kept' : 'generated',
  };
}

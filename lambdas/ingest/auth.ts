/**
 * Who is calling. In AWS the route is IAM-authorized and the client id is the caller's IAM principal;
 * locally it is the client a bearer token maps to. No identity → 401.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { problems } from './http-errors.ts';
import { headerOf } from './http-request.ts';
import { type AuthSettings, hashToken } from './ingest-config.ts';

interface IamAuthorizerContext {
  readonly iam?: { readonly userArn?: string | null };
}

/**
 * A stable id for an IAM principal. Why drop the session name of an assumed role: each Lambda
 * container or task of one calling service signs with its own session, but it is one client — its
 * Idempotency-Keys and statuses must not depend on which container made the call.
 */
export function clientIdFromPrincipalArn(arn: string): string {
  const match = /^(arn:[^:]+:sts::\d+:assumed-role\/[^/]+)\/.+$/.exec(arn);
  return match?.[1] ?? arn;
}

/** The calling client's id, or a 401. */
export function authenticate(event: APIGatewayProxyEventV2, auth: AuthSettings): string {
  if (auth.mode === 'iam') {
    const authorizer = (event.requestContext as { authorizer?: IamAuthorizerContext }).authorizer;
    const arn = authorizer?.iam?.userArn;
    if (!arn) throw problems.unauthorized('AWS4-HMAC-SHA256');
    return clientIdFromPrincipalArn(arn);
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headerOf(event, 'authorization') ?? '');
  const token = match?.[1];
  const clientId = token === undefined ? undefined : auth.clientIdsByTokenHash.get(hashToken(token));
  if (clientId === undefined) throw problems.unauthorized('Bearer');
  return clientId;
}

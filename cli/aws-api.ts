/**
 * The three AWS calls the smoke test makes, as SigV4-signed HTTPS requests with the SDK's signer
 * (no extra SDK clients): CloudFormation DescribeStacks (the stack's outputs), Lambda Invoke (with
 * the log tail) and any signed call to the deployed HTTP API (service execute-api).
 */
import { type AwsCredentials, signRequest } from '../local/api-gateway/sigv4.ts';

/** An HTTP answer. */
export interface AwsAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** Sends one signed request. */
export async function signedFetch(
  credentials: AwsCredentials,
  region: string,
  service: string,
  request: { method: string; url: URL; headers?: Record<string, string>; body?: string },
): Promise<AwsAnswer> {
  const headers = await signRequest(
    {
      method: request.method,
      url: request.url,
      headers: request.headers ?? {},
      ...(request.body ? { body: request.body } : {}),
    },
    credentials,
    region,
    { service },
  );
  const { host: _host, ...sendable } = headers;
  const response = await fetch(request.url, {
    method: request.method,
    headers: sendable,
    ...(request.body ? { body: request.body } : {}),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescapeXml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|apos);/g, (_m, name: string) => XML_ENTITIES[name] ?? '');

/** The outputs of a CloudFormation stack, by key. */
export async function stackOutputs(
  credentials: AwsCredentials,
  region: string,
  stackName: string,
): Promise<Record<string, string>> {
  const answer = await signedFetch(credentials, region, 'cloudformation', {
    method: 'POST',
    url: new URL(`https://cloudformation.${region}.amazonaws.com/`),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      Action: 'DescribeStacks',
      StackName: stackName,
      Version: '2010-05-15',
    }).toString(),
  });
  if (answer.status !== 200)
    throw new Error(`DescribeStacks ${stackName}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
  const outputs: Record<string, string> = {};
  const block = /<Outputs>([\s\S]*?)<\/Outputs>/.exec(answer.body)?.[1] ?? '';
  for (const member of block.match(/<member>[\s\S]*?<\/member>/g) ?? []) {
    const key = /<OutputKey>([^<]*)<\/OutputKey>/.exec(member)?.[1];
    const value = /<OutputValue>([^<]*)<\/OutputValue>/.exec(member)?.[1];
    if (key !== undefined && value !== undefined) outputs[unescapeXml(key)] = unescapeXml(value);
  }
  return outputs;
}

/** Invokes a function synchronously; returns its payload, function error and decoded log tail. */
export async function invokeFunction(
  credentials: AwsCredentials,
  region: string,
  functionName: string,
  payload: unknown,
): Promise<{ status: number; functionError?: string; payload: string; logTail: string }> {
  const answer = await signedFetch(credentials, region, 'lambda', {
    method: 'POST',
    url: new URL(
      `https://lambda.${region}.amazonaws.com/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
    ),
    headers: {
      'content-type': 'application/json',
      'x-amz-invocation-type': 'RequestResponse',
      'x-amz-log-type': 'Tail',
    },
    body: JSON.stringify(payload),
  });
  const functionError = answer.headers.get('x-amz-function-error') ?? undefined;
  const logTail = Buffer.from(answer.headers.get('x-amz-log-result') ?? '', 'base64').toString('utf8');
  return {
    status: answer.status,
    ...(functionError ? { functionError } : {}),
    payload: answer.body,
    logTail,
  };
}

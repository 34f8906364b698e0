/**
 * The front door: the ingest Lambda behind an HTTP API whose every route needs SigV4 (IAM
 * authorization), with stage-wide throttling and JSON access logs. The function sits in isolated
 * subnets: it reaches MSK, ElastiCache and the AWS endpoints, and nothing else.
 */
import { Duration } from 'aws-cdk-lib';
import * as apigwv1 from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EnvKey } from '../lambdas/shared/env-keys.ts';
import { INGEST_ROUTES } from '../lambdas/shared/ingest-routes.ts';
import { ServiceName } from '../lambdas/shared/metric-names.ts';
import type { HeraldCache } from './cache.ts';
import type { IngestSettings } from './config/stage-config.ts';
import { assertValid, validateIngest } from './config/validate.ts';
import { type FunctionPlacement, HeraldFunction, placementOf } from './herald-function.ts';
import type { HeraldKafka } from './kafka.ts';
import { connectToPipeline, pipelineEnvironment } from './pipeline-access.ts';

/** Props of {@link HeraldIngest}. */
export interface HeraldIngestProps extends FunctionPlacement {
  readonly settings: IngestSettings;
  readonly kafka: HeraldKafka;
  readonly cache: HeraldCache;
  readonly deliveriesTopic: string;
  readonly deadLetterTopic: string;
  /** SASL/IAM bootstrap brokers, resolved at deploy time (HeraldBrokers). */
  readonly bootstrapBrokers: string;
  /** The high-priority lane's topic. @default none: high-priority deliveries share the deliveries topic */
  readonly highPriorityTopic?: string;
  readonly endpoints: ec2.IConnectable;
}

/** Fields of each access-log line (API Gateway $context variables; no bodies, no recipients). */
const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  caller: '$context.identity.userArn',
  sourceIp: '$context.identity.sourceIp',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
};

/** The ingest function and its HTTP API. */
export class HeraldIngest extends Construct {
  readonly handler: HeraldFunction;
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;

  constructor(scope: Construct, id: string, props: HeraldIngestProps) {
    super(scope, id);
    const settings = props.settings;
    assertValid('ingest', validateIngest(settings));
    this.handler = new HeraldFunction(this, 'Handler', {
      ...placementOf(props),
      entry: 'lambdas/ingest/handler.ts',
      description: 'Herald ingest: validates send requests and produces one record per recipient',
      memoryMiB: settings.memoryMiB,
      timeout: Duration.seconds(settings.timeoutSeconds),
      logLevel: settings.logLevel,
      reservedConcurrency: settings.reservedConcurrency,
      environment: {
        ...pipelineEnvironment(props, ServiceName.ingest, settings.logLevel),
        // Why brokers from the stack: the ingest subnets have no route to the MSK control plane; the
        // brokers were resolved once at deploy time (HeraldBrokers).
        [EnvKey.kafkaBrokers]: props.bootstrapBrokers,
        [EnvKey.authMode]: 'iam',
        [EnvKey.kafkaTimeoutMs]: String(settings.kafkaTimeoutMs),
        [EnvKey.idempotencyWindowSeconds]: String(settings.idempotencyWindowSeconds),
        [EnvKey.statusRetentionSeconds]: String(settings.statusRetentionSeconds),
        ...(props.highPriorityTopic ? { [EnvKey.highPriorityTopic]: props.highPriorityTopic } : {}),
      },
    });
    connectToPipeline(this.handler, props, 'ingest');
    props.kafka.grantProduce(this.handler, [
      props.deliveriesTopic,
      ...(props.highPriorityTopic ? [props.highPriorityTopic] : []),
    ]);

    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Herald send API (SigV4 / IAM authorization on every route)',
      createDefaultStage: false,
    });
    const integration = new HttpLambdaIntegration('Ingest', this.handler.function, {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
      timeout: Duration.seconds(Math.min(29, settings.timeoutSeconds + 1)),
    });
    const authorizer = new HttpIamAuthorizer();
    // Explicit routes from the shared table, no $default: the gateway answers an unknown path or
    // method with 404 and an unsigned request with 403 itself, and the emulator does the same.
    for (const route of INGEST_ROUTES) {
      this.api.addRoutes({
        path: route.path,
        methods: [route.method as apigw.HttpMethod],
        integration,
        authorizer,
      });
    }

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.throttleRateLimit, burstLimit: settings.throttleBurstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: apigwv1.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
      },
    });
  }

  /** The invoke URL of the default stage (ends with `/`). */
  get url(): string {
    return this.stage.url;
  }
}

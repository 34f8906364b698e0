/**
 * Names of every environment variable Herald reads. Shared by the Lambdas, lib/ (CDK) and local/
 * so the three cannot drift. Defaults live next to each key's parser in lambdas/shared/config.ts.
 */
export const EnvKey = {
  // Kafka
  kafkaBrokers: 'KAFKA_BROKERS',
  kafkaAuth: 'HERALD_KAFKA_AUTH',
  mskClusterArn: 'HERALD_MSK_CLUSTER_ARN',
  deliveriesTopic: 'HERALD_DELIVERIES_TOPIC',
  deadLetterTopic: 'HERALD_DEAD_LETTER_TOPIC',
  highPriorityTopic: 'HERALD_HIGH_PRIORITY_TOPIC',
  kafkaTimeoutMs: 'HERALD_KAFKA_TIMEOUT_MS',
  // Redis
  redisUrl: 'REDIS_URL',
  redisCluster: 'HERALD_REDIS_CLUSTER',
  redisAuthSecretArn: 'HERALD_REDIS_AUTH_SECRET_ARN',
  redisWaitReplicas: 'HERALD_REDIS_WAIT_REPLICAS',
  redisWaitTimeoutMs: 'HERALD_REDIS_WAIT_TIMEOUT_MS',
  keyPrefix: 'HERALD_KEY_PREFIX',
  // Ingest
  authMode: 'HERALD_AUTH_MODE',
  apiTokens: 'HERALD_API_TOKENS',
  idempotencyWindowSeconds: 'HERALD_IDEMPOTENCY_WINDOW_SECONDS',
  statusRetentionSeconds: 'HERALD_STATUS_RETENTION_SECONDS',
  // Dispatch
  dedupWindowSeconds: 'HERALD_DEDUP_WINDOW_SECONDS',
  claimLeaseMs: 'HERALD_CLAIM_LEASE_MS',
  vendorsJson: 'HERALD_VENDORS',
  vendorsSecretArn: 'HERALD_VENDORS_SECRET_ARN',
  ambiguousRetryPolicy: 'HERALD_AMBIGUOUS_RETRY_POLICY',
  reportBatchItemFailures: 'HERALD_REPORT_BATCH_ITEM_FAILURES',
  // Callbacks (receipts, dead letters, callbacks): clientId → webhook, as JSON (locally) or in a secret
  callbacksJson: 'HERALD_CALLBACKS',
  callbacksSecretArn: 'HERALD_CALLBACKS_SECRET_ARN',
  maxInFlightSends: 'HERALD_MAX_IN_FLIGHT_SENDS',
  // Set by the AWS Lambda runtime (dispatch refuses clear-text vendor credentials when present)
  lambdaFunctionName: 'AWS_LAMBDA_FUNCTION_NAME',
  // Observability
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  // Local runtime only (local/)
  heraldHome: 'HERALD_HOME',
  kafkaHome: 'KAFKA_HOME',
  kafkaPort: 'HERALD_KAFKA_PORT',
  kafkaControllerPort: 'HERALD_KAFKA_CONTROLLER_PORT',
  redisPort: 'HERALD_REDIS_PORT',
  redisClusterNodes: 'HERALD_REDIS_CLUSTER_NODES',
  apiPort: 'HERALD_API_PORT',
  vendorLog: 'HERALD_VENDOR_LOG',
} as const;

/** One of the environment variable names above. */
export type EnvKeyName = (typeof EnvKey)[keyof typeof EnvKey];

/**
 * What the stack puts in the vendors secret it creates (HERALD_VENDORS_SECRET_ARN), so the secret
 * exists at deploy time without a made-up credential. The dispatcher refuses it at cold start with
 * an error that says the secret is unfilled (docs/deploy.md: put the vendors JSON after deploy).
 */
export const VENDORS_SECRET_PLACEHOLDER = JSON.stringify({
  herald: 'unfilled: put the vendors JSON here (docs/deploy.md, "Vendors")',
});

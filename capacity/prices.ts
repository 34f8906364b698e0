/**
 * AWS on-demand list prices the peak planner estimates with, USD, us-east-1, Linux, no free tier, no
 * savings plans. Source: the public pricing pages named on each constant, as known on 2026-11-29; this
 * build has no internet access to re-read them, so check them before a budget decision (prices differ
 * by region: eu-west-1 is typically 5–10 % higher).
 */

/** Hours in a month as AWS bills them (730). */
export const HOURS_PER_MONTH = 730;

/** aws.amazon.com/msk/pricing: provisioned Standard broker-hours, by instance type. */
export const MSK_BROKER_USD_PER_HOUR: Readonly<Record<string, number>> = {
  'kafka.m7g.large': 0.204,
  'kafka.m7g.xlarge': 0.408,
  'kafka.m7g.2xlarge': 0.816,
  'kafka.m7g.4xlarge': 1.632,
  'kafka.m7g.8xlarge': 3.264,
  'kafka.m7g.12xlarge': 4.896,
  'kafka.m7g.16xlarge': 6.528,
};
/** aws.amazon.com/msk/pricing: broker storage, per GB-month. */
export const MSK_STORAGE_USD_PER_GB_MONTH = 0.1;

/**
 * aws.amazon.com/elasticache/pricing: on-demand node-hours (Redis OSS), by node type; within a family
 * the price doubles with each size (large ×1, xlarge ×2 … 16xlarge ×32), as the pricing page lists.
 */
export const ELASTICACHE_NODE_USD_PER_HOUR: Readonly<Record<string, number>> = {
  'cache.t4g.small': 0.032,
  'cache.t4g.medium': 0.065,
  'cache.m6g.large': 0.149,
  'cache.m6g.xlarge': 0.298,
  'cache.m6g.2xlarge': 0.596,
  'cache.m6g.4xlarge': 1.192,
  'cache.m6g.8xlarge': 2.384,
  'cache.m6g.12xlarge': 3.576,
  'cache.m6g.16xlarge': 4.768,
  'cache.m7g.large': 0.158,
  'cache.m7g.xlarge': 0.316,
  'cache.m7g.2xlarge': 0.632,
  'cache.m7g.4xlarge': 1.264,
  'cache.m7g.8xlarge': 2.528,
  'cache.m7g.12xlarge': 3.792,
  'cache.m7g.16xlarge': 5.056,
  'cache.r6g.large': 0.206,
  'cache.r6g.xlarge': 0.412,
  'cache.r6g.2xlarge': 0.824,
  'cache.r6g.4xlarge': 1.648,
  'cache.r6g.8xlarge': 3.296,
  'cache.r6g.12xlarge': 4.944,
  'cache.r6g.16xlarge': 6.592,
  'cache.r7g.large': 0.219,
  'cache.r7g.xlarge': 0.438,
  'cache.r7g.2xlarge': 0.876,
  'cache.r7g.4xlarge': 1.752,
  'cache.r7g.8xlarge': 3.504,
  'cache.r7g.12xlarge': 5.256,
  'cache.r7g.16xlarge': 7.008,
};

/** aws.amazon.com/lambda/pricing: Arm duration, per GB-second (first tier). */
export const LAMBDA_ARM_USD_PER_GB_SECOND = 0.0000133334;
/** aws.amazon.com/lambda/pricing: requests, per million. */
export const LAMBDA_USD_PER_MILLION_REQUESTS = 0.2;
/**
 * aws.amazon.com/lambda/pricing, "Provisioned mode for event source mappings": per Event Poller
 * Unit-hour (one EPU = one poller: up to 5 MB/s or 5 concurrent invocations).
 */
export const EVENT_POLLER_UNIT_USD_PER_HOUR = 0.185;

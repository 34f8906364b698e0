/**
 * cdk-nag AwsSolutions on every stage shape (dev: MSK Serverless; prod: provisioned; a variant with
 * an SQS failure destination and Valkey): no unacknowledged finding, errors or warnings. Every
 * acknowledgment names one rule (and finding), sits on the construct it excuses, and says why.
 */
import type { App } from 'aws-cdk-lib';
import { Stack, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { synthStage, TEST_PROVIDERS } from './synth.ts';

interface Acknowledgment {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

function acknowledgmentsIn(app: App): Acknowledgment[] {
  return app.node.findAll().flatMap((construct: IConstruct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

const variants = {
  dev: () => synthStage('dev'),
  prod: () => synthStage('prod'),
  'prod with SQS failure queue and Valkey': () =>
    synthStage('prod', {
      override: (config) => ({
        ...config,
        dispatch: { ...config.dispatch, onFailure: { kind: 'sqs' }, providers: TEST_PROVIDERS },
        cache: { ...config.cache, engine: 'valkey', engineVersion: '8.0' },
      }),
    }),
};

describe('cdk-nag AwsSolutions', () => {
  it.each(Object.keys(variants))('finds nothing unacknowledged in %s', (name) => {
    const { app } = variants[name as keyof typeof variants]();
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const findings = report.violations.map(
      (violation) =>
        `${violation.severity} ${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges exactly the reviewed findings, each next to its resource with a reason', () => {
    const { app } = variants['prod with SQS failure queue and Valkey']();
    const nag = acknowledgmentsIn(app).filter((ack) => ack.id.startsWith('AwsSolutions-'));
    const ids = [...new Set(nag.map((ack) => ack.id.replace(/<[A-Za-z0-9]+\.Arn>/, '<fn>')))].sort();
    expect(ids).toEqual([
      'AwsSolutions-AEC5',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::<fn>:*]',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ]);
    for (const ack of nag) {
      expect(ack.path.split('/').length, ack.path).toBeGreaterThanOrEqual(3);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(60);
    }
  });

  it('still reports a finding nobody acknowledged (the check is live)', () => {
    const { app, stack } = variants.dev();
    new secretsmanager.Secret(Stack.of(stack), 'UnreviewedSecret');
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((violation) => violation.ruleName)).toContain('AwsSolutions-SMG4');
  });
});

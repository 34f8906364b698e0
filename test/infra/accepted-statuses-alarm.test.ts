/** The AcceptedStatusesNotRecorded alarm: ingest's metric, under the service name ingest runs as. */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import { IngestMetric, ServiceName } from '../../lambdas/shared/metric-names.ts';
import { logicalIdOf, synthStage } from './synth.ts';

describe('AcceptedStatusesNotRecorded alarm', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStage('dev').template;
  });

  it('fires at one accepted request whose queued statuses were not written, notifying the alarm topic', () => {
    const id = logicalIdOf(template, 'AWS::CloudWatch::Alarm', 'AcceptedStatusesNotRecordedAlarm');
    const props = template.toJSON().Resources[id].Properties;
    expect(props).toMatchObject({
      Namespace: 'Herald',
      MetricName: IngestMetric.statusesNotRecorded,
      Dimensions: [{ Name: 'service', Value: ServiceName.ingest }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    const topic = logicalIdOf(template, 'AWS::SNS::Topic', 'Observability/AlarmTopic');
    expect(props.AlarmActions).toEqual([{ Ref: topic }]);
  });

  it('watches the service name the ingest function publishes under', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{
      Properties?: { Environment?: { Variables?: Record<string, unknown> } };
    }>;
    const services = functions.map((fn) => fn.Properties?.Environment?.Variables?.[EnvKey.serviceName]);
    expect(services).toContain(ServiceName.ingest);
  });
});

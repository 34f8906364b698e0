/**
 * One alarm notifying the alarm topic on breach and recovery, as the observability construct's alarms
 * do; shared by the receipts and dead-letters constructs.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/** An alarm at `threshold` or more for `evaluationPeriods` periods; missing data is not breaching. */
export function notifyingAlarm(
  scope: Construct,
  id: string,
  topic: sns.ITopic,
  metric: cloudwatch.IMetric,
  options: { threshold: number; evaluationPeriods: number; description: string },
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric,
    threshold: options.threshold,
    evaluationPeriods: options.evaluationPeriods,
    datapointsToAlarm: options.evaluationPeriods,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: options.description,
  });
  alarm.addAlarmAction(new actions.SnsAction(topic));
  alarm.addOkAction(new actions.SnsAction(topic));
  return alarm;
}

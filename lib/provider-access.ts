/**
 * What the dispatch role may do with the AWS providers: `sms-voice:SendTextMessage` on the configured
 * origination identities and the SMS configuration set, `ses:SendEmail` on the configured identities
 * and the SES configuration set, nothing else and nothing for a channel left out of
 * dispatch.providers. The two configuration sets are created here, in the stack's region.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as smsvoice from 'aws-cdk-lib/aws-smsvoice';
import { Construct } from 'constructs';
import type { ProviderAccessSettings } from './config/stage-config.ts';

/** Props of {@link ProviderAccess}. */
export interface ProviderAccessProps {
  /** The dispatch function (its role gets the permissions). */
  readonly grantee: iam.IGrantable;
  readonly settings?: ProviderAccessSettings;
}

/** The AWS providers' configuration sets and the dispatch role's scoped permissions for them. */
export class ProviderAccess extends Construct {
  readonly smsConfigurationSet?: smsvoice.CfnConfigurationSet;
  readonly emailConfigurationSet?: ses.CfnConfigurationSet;

  constructor(scope: Construct, id: string, props: ProviderAccessProps) {
    super(scope, id);
    const sms = props.settings?.sms;
    if (sms) {
      this.smsConfigurationSet = new smsvoice.CfnConfigurationSet(this, 'SmsConfigurationSet', {
        configurationSetName: sms.configurationSetName,
      });
      iam.Grant.addToPrincipal({
        grantee: props.grantee,
        actions: ['sms-voice:SendTextMessage'],
        resourceArns: [...sms.originationIdentityArns, this.smsConfigurationSet.attrArn],
      });
    }
    const email = props.settings?.email;
    if (email) {
      this.emailConfigurationSet = new ses.CfnConfigurationSet(this, 'EmailConfigurationSet', {
        name: email.configurationSetName,
      });
      const setArn = Stack.of(this).formatArn({
        service: 'ses',
        resource: 'configuration-set',
        resourceName: this.emailConfigurationSet.ref,
      });
      iam.Grant.addToPrincipal({
        grantee: props.grantee,
        actions: ['ses:SendEmail'],
        resourceArns: [...email.identityArns, setArn],
      });
    }
  }
}

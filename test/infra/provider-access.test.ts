/**
 * The AWS providers' access: sms-voice:SendTextMessage and ses:SendEmail on exactly the configured
 * identities and the configuration sets the stack creates; nothing when dispatch.providers is unset;
 * a wrong ARN or name rejected with every problem at once.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { providerAccessIssues } from '../../lib/config/validate.ts';
import { logicalIdOf, propertiesOf, synthStage, TEST_PROVIDERS } from './synth.ts';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

function statements(template: Template): Statement[] {
  const policy = propertiesOf(template, 'AWS::IAM::Policy', 'Dispatch/Handler/Role/DefaultPolicy') as {
    PolicyDocument: { Statement: Statement[] };
  };
  return policy.PolicyDocument.Statement;
}

const withAction = (template: Template, action: string) =>
  statements(template).filter((statement) => [statement.Action].flat().includes(action));

describe('dispatch.providers set', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStage('prod', {
      override: (config) => ({ ...config, dispatch: { ...config.dispatch, providers: TEST_PROVIDERS } }),
    }).template;
  });

  it('creates the SMS and SES configuration sets with the configured names', () => {
    template.resourceCountIs('AWS::SMSVOICE::ConfigurationSet', 1);
    template.hasResourceProperties('AWS::SMSVOICE::ConfigurationSet', { ConfigurationSetName: 'herald-sms' });
    template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    template.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'herald-email' });
  });

  it('grants sms-voice:SendTextMessage on exactly the origination identities and the configuration set', () => {
    const [statement, ...more] = withAction(template, 'sms-voice:SendTextMessage');

    expect(more).toEqual([]);
    expect(statement?.Action).toBe('sms-voice:SendTextMessage');
    // CDK sorts a statement's resources, so compare regardless of order.
    expect(statement?.Resource).toHaveLength(3);
    expect(statement?.Resource).toEqual(
      expect.arrayContaining([
        ...TEST_PROVIDERS.sms.originationIdentityArns,
        {
          'Fn::GetAtt': [
            logicalIdOf(template, 'AWS::SMSVOICE::ConfigurationSet', 'Providers/SmsConfigurationSet'),
            'Arn',
          ],
        },
      ]),
    );
  });

  it('grants ses:SendEmail on exactly the identities and the configuration set', () => {
    const [statement, ...more] = withAction(template, 'ses:SendEmail');

    expect(more).toEqual([]);
    expect(statement?.Action).toBe('ses:SendEmail');
    const resources = statement?.Resource as unknown[];
    expect(resources[0]).toBe(TEST_PROVIDERS.email.identityArns[0]);
    expect(resources).toHaveLength(2);
    const setArn = JSON.stringify(resources[1]);
    expect(setArn).toContain(':configuration-set/');
    expect(setArn).toContain(
      logicalIdOf(template, 'AWS::SES::ConfigurationSet', 'Providers/EmailConfigurationSet'),
    );
  });

  it('grants no other sms-voice or ses action and no wildcard resource for them', () => {
    const provider = statements(template).filter((statement) =>
      [statement.Action].flat().some((action) => /^(sms-voice|ses):/.test(action)),
    );

    expect(provider.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'ses:SendEmail',
      'sms-voice:SendTextMessage',
    ]);
    expect(JSON.stringify(provider.map((s) => s.Resource))).not.toContain('*');
  });
});

describe('dispatch.providers unset', () => {
  it('grants nothing and creates no configuration set', () => {
    const { template } = synthStage('prod', {
      override: (config) => {
        const { providers: _providers, ...dispatch } = config.dispatch;
        return { ...config, dispatch };
      },
    });

    expect(withAction(template, 'sms-voice:SendTextMessage')).toEqual([]);
    expect(withAction(template, 'ses:SendEmail')).toEqual([]);
    template.resourceCountIs('AWS::SMSVOICE::ConfigurationSet', 0);
    template.resourceCountIs('AWS::SES::ConfigurationSet', 0);
  });

  it('grants only the channel that is configured', () => {
    const { template } = synthStage('prod', {
      override: (config) => ({
        ...config,
        dispatch: { ...config.dispatch, providers: { email: TEST_PROVIDERS.email } },
      }),
    });

    expect(withAction(template, 'sms-voice:SendTextMessage')).toEqual([]);
    expect(withAction(template, 'ses:SendEmail')).toHaveLength(1);
    template.resourceCountIs('AWS::SMSVOICE::ConfigurationSet', 0);
  });
});

describe('providerAccessIssues', () => {
  it('accepts the test providers and no providers', () => {
    expect(providerAccessIssues(TEST_PROVIDERS)).toEqual([]);
    expect(providerAccessIssues(undefined)).toEqual([]);
  });

  it('names every wrong ARN, empty list and configuration set name at once', () => {
    const issues = providerAccessIssues({
      sms: {
        originationIdentityArns: [
          'arn:aws:sms-voice:ap-northeast-2:111122223333:pool/*',
          'arn:aws:ses:ap-northeast-2:111122223333:identity/example.com',
        ],
        configurationSetName: 'has space',
      },
      email: { identityArns: [], configurationSetName: 'x'.repeat(65) },
    });

    expect(issues).toEqual([
      'dispatch.providers.sms.originationIdentityArns[0] must be an sms-voice phone-number, sender-id or pool ARN (no wildcards)',
      'dispatch.providers.sms.originationIdentityArns[1] must be an sms-voice phone-number, sender-id or pool ARN (no wildcards)',
      'dispatch.providers.sms.configurationSetName must be 1..64 letters, digits, _ or -',
      'dispatch.providers.email.identityArns must list at least one ARN',
      'dispatch.providers.email.configurationSetName must be 1..64 letters, digits, _ or -',
    ]);
  });

  it('is part of the stage validation', () => {
    expect(() =>
      synthStage('prod', {
        override: (config) => ({
          ...config,
          dispatch: {
            ...config.dispatch,
            providers: { email: { identityArns: [], configurationSetName: 'ok' } },
          },
        }),
      }),
    ).toThrow('dispatch.providers.email.identityArns must list at least one ARN');
  });
});

/**
 * CDK app entry: the only infra file that reads context. `-c stage=dev|prod` picks a typed stage
 * config from lib/config/stages.ts; `-c account=<12 digits>` deploys it into another account.
 * cdk-nag's AwsSolutions pack validates every synth; an unacknowledged finding fails it.
 */
import { resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addHeraldStack } from '../lib/herald-app.ts';

const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
const account = app.node.tryGetContext('account') as string | undefined;
addHeraldStack(app, stage, {
  projectRoot: resolve(import.meta.dirname, '..'),
  ...(account ? { account: String(account) } : {}),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();

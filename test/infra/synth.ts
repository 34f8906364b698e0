/**
 * Synthesizes Herald the way bin/herald.ts does (same builder, same cdk.json context) for the infra
 * tests. Bundling is skipped by default: the Template assertions do not need the Lambda bundles,
 * and the cfn-lint test runs the real `cdk synth` with bundling instead.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { StageConfig } from '../../lib/config/stage-config.ts';
import { addHeraldStack } from '../../lib/herald-app.ts';
import type { HeraldStack } from '../../lib/herald-stack.ts';

/** The repository root. */
export const projectRoot = resolve(import.meta.dirname, '../..');

/** The context cdk.json gives the app (feature flags), minus the stage choice. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(resolve(projectRoot, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const { stage: _stage, ...flags } = cdkJson.context ?? {};
  return flags;
}

/** A synthesized stage. */
export interface SynthesizedStage {
  readonly app: App;
  readonly stack: HeraldStack;
  readonly template: Template;
}

/** Options of {@link synthStage}. */
export interface SynthOptions {
  readonly override?: (config: StageConfig) => StageConfig;
  /** Run esbuild for the Lambda assets. @default false */
  readonly isBundled?: boolean;
  readonly outdir?: string;
}

/** Builds and synthesizes one stage's stack. */
export function synthStage(stage: string, options: SynthOptions = {}): SynthesizedStage {
  const app = new App({
    // The cfn-lint test covers template validity; the built-in validator only slows these tests.
    builtinCloudFormationValidation: false,
    ...(options.outdir ? { outdir: options.outdir } : {}),
    context: {
      ...cdkJsonContext(),
      'aws:cdk:enable-path-metadata': true,
      ...(options.isBundled ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const stack = addHeraldStack(app, stage, {
    projectRoot,
    ...(options.override ? { override: options.override } : {}),
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The logical id of the only resource of `type` whose path contains `pathPart`. */
export function logicalIdOf(template: Template, type: string, pathPart: string): string {
  const matches = Object.entries(template.findResources(type)).filter(([, resource]) =>
    String((resource as { Metadata?: Record<string, unknown> }).Metadata?.['aws:cdk:path'] ?? '').includes(
      pathPart,
    ),
  );
  if (matches.length !== 1)
    throw new Error(`expected one ${type} under '${pathPart}', found ${matches.length}`);
  return (matches[0] as [string, unknown])[0];
}

/** The properties of the only resource of `type` whose path contains `pathPart`. */
export function propertiesOf(template: Template, type: string, pathPart: string): Record<string, unknown> {
  const id = logicalIdOf(template, type, pathPart);
  return (template.toJSON().Resources[id] as { Properties: Record<string, unknown> }).Properties;
}

/** AWS provider resources for the infra tests (dispatch.providers): exact ARNs in two regions. */
export const TEST_PROVIDERS = {
  sms: {
    originationIdentityArns: [
      'arn:aws:sms-voice:ap-northeast-2:111122223333:pool/pool-0123456789abcdef0123456789abcdef',
      'arn:aws:sms-voice:ap-northeast-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef',
    ],
    configurationSetName: 'herald-sms',
  },
  email: {
    identityArns: ['arn:aws:ses:ap-northeast-2:111122223333:identity/example.com'],
    configurationSetName: 'herald-email',
  },
} as const;

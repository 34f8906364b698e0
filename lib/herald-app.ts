/**
 * Builds the Herald stack of one stage. Shared by bin/herald.ts (which reads the context) and the
 * infra tests, so both synthesize exactly the same thing.
 */
import type { App } from 'aws-cdk-lib';
import type { StageConfig } from './config/stage-config.ts';
import { stageConfig } from './config/stages.ts';
import { HeraldStack } from './herald-stack.ts';

/** Options of {@link addHeraldStack}. */
export interface HeraldAppOptions {
  /** Repository root (package-lock.json, lambdas/). */
  readonly projectRoot: string;
  /** Deploy into this account instead of the stage's. @default the stage config's account */
  readonly account?: string;
  /** Adjust the stage config (tests, one-off variants); the result is validated again. */
  readonly override?: (config: StageConfig) => StageConfig;
}

/** Adds the `Herald-<stage>` stack for a named stage to `app`. */
export function addHeraldStack(app: App, stage: string, options: HeraldAppOptions): HeraldStack {
  const base = stageConfig(stage);
  const withAccount = options.account ? { ...base, account: options.account } : base;
  const config = options.override ? options.override(withAccount) : withAccount;
  return new HeraldStack(app, `Herald-${config.stage}`, { config, projectRoot: options.projectRoot });
}

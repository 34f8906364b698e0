// Types of cli/bootstrap.mjs (plain JavaScript so that an old Node can run it).
export declare const repoRoot: string;
export declare function isNodeTooOld(version: string): boolean;
export declare function heraldHome(env: Record<string, string | undefined>, root?: string): string;
export declare function cachedNodeBin(home: string): string;
export interface Needs {
  readonly kafka: boolean;
  readonly redis: boolean;
  readonly cfnLint: boolean;
}
export declare function needsFor(argv: readonly string[], env: Record<string, string | undefined>): Needs;
export declare function isDependenciesStale(state: {
  hasNodeModules: boolean;
  lockHash: string;
  stamp: string | undefined;
}): boolean;
export interface Probe {
  has(command: string): boolean;
  readonly hasKafkaJars: boolean;
  readonly kafkaHome: string | undefined;
  readonly hasPip: boolean;
  readonly cfnLintVersion: string | null;
}
export interface Missing {
  readonly packages: string[];
  readonly isCfnLintMissing: boolean;
}
export declare function missingFor(needs: Needs, probe: Probe): Missing;
export interface InstallStep {
  readonly say: string;
  readonly argv: string[];
  readonly fallback?: string[];
}
export declare function planInstall(
  missing: Missing,
  isRoot: boolean,
): { steps: InstallStep[]; stop?: undefined } | { stop: string; steps?: undefined };
export declare function probeMachine(
  env: Record<string, string | undefined>,
  home: string,
  needs: Needs,
): Probe;
export declare function ensureNode(env: Record<string, string | undefined>): string | undefined;
export declare function bootstrap(argv: readonly string[], env?: Record<string, string | undefined>): boolean;
export declare function runTests(args: readonly string[], env?: Record<string, string | undefined>): number;

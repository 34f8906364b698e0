/** What a benchmark scenario receives from bench/run.ts. */

/** The engines every scenario runs against. */
export interface BenchEngines {
  readonly kafkaBrokers: readonly string[];
  readonly redisUrl: string;
}

/** Context of one scenario run. */
export interface ScenarioContext {
  readonly engines: BenchEngines;
  /** The small version (`--quick`): fewer and smaller rounds, same code paths. */
  readonly isQuick: boolean;
  /** Measured rounds per side. */
  readonly rounds: number;
  /** Reports one finished step to the progress bar. */
  readonly step: (label: string) => void;
}

/**
 * `herald bench` (`npm run bench`): every scenario runs Herald and its baseline alternately in the same
 * run, several rounds, and reports medians and ratios; `--json <file>` writes the results and an SVG
 * chart next to them (`<file>` with `.svg`). Scenarios: docs/capacity.md and bench/scenarios/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureEngines } from '../local/infra/engines.ts';
import { renderChart } from './chart.ts';
import { runInChild } from './child.ts';
import { Progress } from './harness.ts';
import { type BenchResults, chartPanels, checkTargets, type ScenarioResults, summary } from './report.ts';
import { dedupSteps, runDedup } from './scenarios/dedup.ts';
import { type EndToEndResult, endToEndSteps } from './scenarios/end-to-end.ts';
import { eosSteps, runEos } from './scenarios/eos.ts';
import { type IngestResult, ingestSteps } from './scenarios/ingest.ts';
import { memorySteps, runMemory } from './scenarios/memory.ts';
import { type PriorityResult, prioritySteps } from './scenarios/priority.ts';
import { type RateLimitResult, rateLimitSteps } from './scenarios/rate-limit.ts';
import { type ScalingResult, scalingSteps } from './scenarios/scaling.ts';
import type { ScenarioContext } from './scenarios/scenario.ts';

const USAGE = `usage: herald bench [--quick] [--json <file>] [--only <scenario,...>] [--rounds N]

  --quick           small version (structure checks, CI): fewer, smaller rounds
  --json <file>     write the results as JSON, and a chart to <file minus .json>.svg
  --only <list>     run only these scenarios: eos, memory, dedup, ingest, endToEnd, priority, scaling,
                    rateLimit (or rate-limit)
  --rounds N        measured rounds per side (default 5, quick 2)

Starts Kafka and Redis if they are not running (and stops what it started).`;

type ScenarioName = keyof ScenarioResults;

/** Scenarios in run order: those that need only Kafka or Redis first, the whole runtime last. */
const SCENARIOS: ReadonlyArray<{
  readonly name: ScenarioName;
  readonly steps: (rounds: number) => number;
  readonly run: (ctx: ScenarioContext) => Promise<unknown>;
}> = [
  { name: 'eos', steps: eosSteps, run: runEos },
  { name: 'memory', steps: memorySteps, run: runMemory },
  { name: 'dedup', steps: dedupSteps, run: runDedup },
  // In a child process: it loads the ingest handler.ts, which keeps its clients open like a warm Lambda.
  {
    name: 'ingest',
    steps: ingestSteps,
    run: (ctx) => runInChild<IngestResult>('./scenarios/ingest.ts', 'runIngest', ctx),
  },
  // In a child process too: kafkajs clients and the runtime's supervisors leave timers that would keep
  // this process alive for a while after the scenario has stopped everything.
  {
    name: 'endToEnd',
    steps: endToEndSteps,
    run: (ctx) => runInChild<EndToEndResult>('./scenarios/end-to-end.ts', 'runEndToEnd', ctx),
  },
  // The lanes and the scaling curve run the whole runtime too, each in its own child process.
  {
    name: 'priority',
    steps: prioritySteps,
    run: (ctx) => runInChild<PriorityResult>('./scenarios/priority.ts', 'runPriority', ctx),
  },
  {
    name: 'scaling',
    steps: scalingSteps,
    run: (ctx) => runInChild<ScalingResult>('./scenarios/scaling.ts', 'runScaling', ctx),
  },
  {
    name: 'rateLimit',
    steps: rateLimitSteps,
    run: (ctx) => runInChild<RateLimitResult>('./scenarios/rate-limit.ts', 'runRateLimit', ctx),
  },
];

/** A scenario's name as --only may spell it (`rate-limit` for `rateLimit`). */
const scenarioName = (name: string) =>
  name.trim().replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** Runs the benchmarks; resolves to the exit code (1 when a scenario failed). */
export async function bench(args: string[]): Promise<number> {
  let values: { quick?: boolean; json?: string; only?: string; rounds?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        quick: { type: 'boolean' },
        json: { type: 'string' },
        only: { type: 'string' },
        rounds: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`herald bench: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const isQuick = values.quick ?? false;
  const rounds = values.rounds === undefined ? (isQuick ? 2 : 5) : Number(values.rounds);
  const only = values.only?.split(',').map(scenarioName);
  const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name)) ?? [];
  if (!Number.isInteger(rounds) || rounds < 1 || unknown.length > 0) {
    console.error(
      `herald bench: ${unknown.length > 0 ? `unknown scenario ${unknown.join(', ')}` : '--rounds must be a positive integer'}\n\n${USAGE}`,
    );
    return 2;
  }
  const selected = SCENARIOS.filter((s) => !only || only.includes(s.name));
  const startedAt = new Date();
  const machine = machineInfo();
  const engines = await ensureEngines();
  const progress = new Progress(selected.reduce((sum, s) => sum + s.steps(rounds), 0));
  const scenarios: ScenarioResults = {};
  const errors: Record<string, string> = {};
  try {
    for (const scenario of selected) {
      progress.show(`${scenario.name}: starting`);
      const ctx: ScenarioContext = {
        engines: { kafkaBrokers: engines.kafkaBrokers, redisUrl: engines.redisUrl },
        isQuick,
        rounds,
        step: (label) => progress.step(label),
      };
      try {
        (scenarios as Record<string, unknown>)[scenario.name] = await scenario.run(ctx);
      } catch (error) {
        errors[scenario.name] = error instanceof Error ? (error.stack ?? error.message) : String(error);
      }
    }
  } finally {
    progress.finish();
    await engines.stop();
  }
  const results: BenchResults = {
    formatVersion: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    isQuick,
    rounds,
    machine: { ...machine, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) },
    scenarios,
    targets: checkTargets(scenarios),
    errors,
  };
  console.log(summary(results));
  if (values.json) writeOutputs(resolve(values.json), results);
  return Object.keys(errors).length > 0 ? 1 : 0;
}

function writeOutputs(jsonPath: string, results: BenchResults): void {
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  const svgPath = `${jsonPath.replace(/\.json$/i, '')}.svg`;
  const m = results.machine;
  const footer = `${results.isQuick ? 'quick run' : 'full run'}, ${results.rounds} rounds each, medians · ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB · ${results.startedAt}`;
  writeFileSync(
    svgPath,
    renderChart('Herald vs baselines, same machine, same run', footer, chartPanels(results.scenarios)),
  );
  console.log(`\nwrote ${jsonPath}\nwrote ${svgPath}`);
}

function machineInfo(): Record<string, string | number | number[]> {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${process.platform} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

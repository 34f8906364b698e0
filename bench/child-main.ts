/** Child-process entry of bench/child.ts: runs one scenario function, reports steps and the result, exits. */
import type { ChildMessage, ChildRequest } from './child.ts';
import type { ScenarioContext } from './scenarios/scenario.ts';

const send = (message: ChildMessage) =>
  new Promise<void>((resolve) => (process.send ? process.send(message, () => resolve()) : resolve()));

process.once('message', async (request: ChildRequest) => {
  try {
    const module = (await import(new URL(request.module, import.meta.url).href)) as Record<
      string,
      (ctx: ScenarioContext) => Promise<unknown>
    >;
    const run = module[request.exportName];
    if (!run) throw new Error(`${request.module} does not export ${request.exportName}`);
    const result = await run({ ...request.context, step: (label) => void send({ kind: 'step', label }) });
    await send({ kind: 'result', result });
  } catch (error) {
    await send({
      kind: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
  // Why exit: the Lambda handler's clients stay open, as they do in a warm container.
  process.exit(0);
});

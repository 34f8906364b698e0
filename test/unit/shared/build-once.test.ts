import { describe, expect, it } from 'vitest';
import { buildOnce } from '../../../lambdas/shared/build-once.ts';

describe('buildOnce', () => {
  it('builds once and shares the result between concurrent and later calls', async () => {
    // Prepare
    let builds = 0;
    const app = buildOnce(async () => ({ id: ++builds }));

    // Act
    const [first, second] = await Promise.all([app(), app()]);
    const third = await app();

    // Assess
    expect(builds).toBe(1);
    expect(second).toBe(first);
    expect(third).toBe(first);
  });

  it('forgets a failed build so the next call tries again', async () => {
    // Prepare
    let attempts = 0;
    const app = buildOnce(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('MSK discovery failed');
      return 'ready';
    });

    // Act
    const failed = app();
    await expect(failed).rejects.toThrow('MSK discovery failed');
    const retried = await app();

    // Assess
    expect(retried).toBe('ready');
    expect(attempts).toBe(2);
  });
});

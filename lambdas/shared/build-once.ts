/**
 * Builds a Lambda's app once per container, on first use. A failed build is forgotten, so the next
 * invocation tries again (MSK discovery or a secret read may fail transiently) instead of the
 * container failing every call until it is recycled.
 */

/** Returns a getter that builds on first call, shares the result, and retries after a failure. */
export function buildOnce<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}

/** A handler module whose init fails, as a Lambda with a bad configuration does at cold start. */
class ConfigError extends Error {
  override name = 'ConfigError';
}

throw new ConfigError('HERALD_EXAMPLE: required');

export async function handler(): Promise<void> {}

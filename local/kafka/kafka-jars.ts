/**
 * Finds the Kafka broker's classpath: `$KAFKA_HOME/libs` when KAFKA_HOME points to an unpacked
 * distribution, otherwise the jars Maven resolves from Maven Central with local/kafka/pom.xml,
 * copied once into `<heraldHome>/cache/kafka-<version>/` and reused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../infra/local-env.ts';
import { which } from '../infra/process-utils.ts';

/** The pinned broker version; keep in step with `kafka.version` in local/kafka/pom.xml. */
export const KAFKA_VERSION = '4.1.1';

/** The classpath (a `dir/*` wildcard) for the broker JVM. */
export function resolveKafkaClasspath(heraldHome: string, kafkaHome?: string): string {
  if (kafkaHome) {
    const libs = join(kafkaHome, 'libs');
    if (!existsSync(libs))
      throw new Error(
        `KAFKA_HOME=${kafkaHome} has no libs/ folder: point it at an unpacked Kafka distribution`,
      );
    return `${libs}/*`;
  }
  const cacheDir = join(heraldHome, 'cache', `kafka-${KAFKA_VERSION}`);
  const marker = join(cacheDir, '.complete');
  if (!existsSync(marker)) fetchJars(cacheDir, marker);
  return `${cacheDir}/*`;
}

function fetchJars(cacheDir: string, marker: string): void {
  if (!which('mvn')) {
    throw new Error(
      'Kafka jars are not cached and Maven is missing: install it (apt-get install maven) or set KAFKA_HOME to an unpacked Kafka distribution, or KAFKA_BROKERS to a running cluster',
    );
  }
  // Why a temp folder + rename: an interrupted download must never look complete.
  const partial = `${cacheDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  process.stderr.write(
    `kafka: resolving Apache Kafka ${KAFKA_VERSION} jars from Maven Central (first run only)...\n`,
  );
  try {
    execFileSync(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        join(repoRoot, 'local/kafka/pom.xml'),
        'dependency:copy-dependencies',
        `-DoutputDirectory=${partial}`,
        '-DincludeScope=runtime',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (error) {
    const output =
      String((error as { stdout?: Buffer }).stdout ?? '') +
      String((error as { stderr?: Buffer }).stderr ?? '');
    throw new Error(
      `kafka: Maven could not resolve the broker jars:\n${output.trim().split('\n').slice(-20).join('\n')}`,
      {
        cause: error,
      },
    );
  }
  if (!readdirSync(partial).some((name) => name.startsWith('kafka_2.13-')))
    throw new Error('kafka: Maven finished but kafka_2.13 jar is missing');
  rmSync(cacheDir, { recursive: true, force: true });
  renameSync(partial, cacheDir);
  writeFileSync(marker, `${KAFKA_VERSION}\n`);
}

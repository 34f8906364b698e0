/**
 * Keeps the house's dependency rules true (../shared/STYLE.md, "Who may import whom") by scanning
 * every import line of the source tree.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(name) ? [path] : [];
  });
}

interface ImportLine {
  readonly file: string;
  readonly specifier: string;
  /** Repo-relative target for relative specifiers. */
  readonly target?: string;
  readonly isTypeOnly: boolean;
}

function importsOf(file: string): ImportLine[] {
  const text = readFileSync(join(root, file), 'utf8');
  const pattern =
    /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  return [...text.matchAll(pattern)].map((match) => {
    const specifier = match[3] ?? match[4] ?? match[5] ?? '';
    const target = specifier.startsWith('.')
      ? relative(root, resolve(root, file, '..', specifier))
      : undefined;
    return { file, specifier, isTypeOnly: Boolean(match[2]), ...(target ? { target } : {}) };
  });
}

const isBuiltin = (line: ImportLine) => line.specifier.startsWith('node:');
const isUnder = (line: ImportLine, ...dirs: string[]) =>
  dirs.some((dir) => line.target?.startsWith(`${dir}/`));
const isPackage = (line: ImportLine) => !isBuiltin(line) && line.target === undefined;

/** Each rule: the folder it governs and which imports it allows. */
const rules: Array<{ dir: string; why: string; allows: (line: ImportLine) => boolean }> = [
  {
    dir: 'lambdas/core',
    why: 'core imports node: built-ins only',
    allows: (l) => isBuiltin(l) || isUnder(l, 'lambdas/core'),
  },
  {
    dir: 'lambdas/ports',
    why: 'ports import core types only',
    allows: (l) =>
      isUnder(l, 'lambdas/core', 'lambdas/ports') && (l.isTypeOnly || isUnder(l, 'lambdas/ports')),
  },
  {
    dir: 'lambdas/adapters',
    why: 'adapters import core, ports, shared and their libraries',
    allows: (l) =>
      isBuiltin(l) ||
      isPackage(l) ||
      isUnder(l, 'lambdas/core', 'lambdas/ports', 'lambdas/adapters', 'lambdas/shared'),
  },
  {
    dir: 'lambdas/shared',
    why: 'shared imports core and libraries',
    allows: (l) => isBuiltin(l) || isPackage(l) || isUnder(l, 'lambdas/core', 'lambdas/shared'),
  },
  {
    dir: 'lib',
    why: 'lib/ imports aws-cdk-lib, constructs, cdk-nag and the env-key names only',
    allows: (l) =>
      isBuiltin(l) ||
      /^(aws-cdk-lib|constructs|cdk-nag)(\/|$)/.test(l.specifier) ||
      isUnder(l, 'lib') ||
      l.target === 'lambdas/shared/env-keys.ts',
  },
  {
    dir: 'bin',
    why: 'bin/ composes the CDK app from lib/',
    allows: (l) =>
      isBuiltin(l) || /^(aws-cdk-lib|constructs|cdk-nag)(\/|$)/.test(l.specifier) || isUnder(l, 'lib'),
  },
  {
    dir: 'local',
    why: 'local/ (the local runtime) imports Lambda handlers, shared names, the stage data in lib/config and its own launchers',
    allows: (l) =>
      isBuiltin(l) ||
      isPackage(l) ||
      isUnder(l, 'local', 'lambdas/shared', 'lib/config') ||
      /^lambdas\/[^/]+\/handler\.ts$/.test(l.target ?? ''),
  },
  {
    dir: 'capacity',
    why: 'capacity/ (the planner) imports core, shared, adapters and its AWS client',
    allows: (l) =>
      isBuiltin(l) ||
      isPackage(l) ||
      isUnder(l, 'capacity', 'lambdas/core', 'lambdas/shared', 'lambdas/adapters'),
  },
  {
    dir: 'bench',
    why: 'bench/ imports anything but cli/ and test/',
    allows: (l) => !isUnder(l, 'cli', 'test'),
  },
  {
    dir: 'cli',
    why: 'cli/ (the herald command) imports anything but test/',
    allows: (l) => !isUnder(l, 'test'),
  },
];

describe('import rules', () => {
  const files = ['lambdas', 'lib', 'local', 'bin', 'capacity', 'bench', 'cli'].flatMap((dir) =>
    sourceFiles(dir),
  );
  const lines = files.flatMap(importsOf);

  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(lines.length).toBeGreaterThan(20);
  });

  it('has a rule for every top-level source folder', () => {
    const topLevel = readdirSync(root).filter(
      (name) =>
        !name.startsWith('.') &&
        !['node_modules', 'docs', 'test', 'cdk.out'].includes(name) &&
        statSync(join(root, name)).isDirectory(),
    );
    const governed = new Set(rules.map((rule) => rule.dir.split('/')[0]));
    expect(topLevel.filter((dir) => !governed.has(dir))).toEqual([]);
  });

  it.each(rules)('$dir: $why', ({ dir, allows }) => {
    const governed = lines.filter((line) => line.file.startsWith(`${dir}/`));
    const broken = governed
      .filter((line) => !allows(line))
      .map((line) => `${line.file} -> ${line.specifier}`);
    expect(broken).toEqual([]);
  });

  it('app.ts files take their adapters by injection, never import them', () => {
    const broken = lines
      .filter(
        (line) =>
          /^lambdas\/[^/]+\/app\.ts$/.test(line.file) &&
          !line.isTypeOnly &&
          isUnder(line, 'lambdas/adapters'),
      )
      .map((line) => `${line.file} -> ${line.specifier}`);
    expect(broken).toEqual([]);
  });

  it('nothing in lambdas/ imports local/, lib/, bin/ or test/', () => {
    const broken = lines
      .filter((line) => line.file.startsWith('lambdas/') && isUnder(line, 'local', 'lib', 'bin', 'test'))
      .map((line) => `${line.file} -> ${line.specifier}`);
    expect(broken).toEqual([]);
  });

  it('only lambdas/shared/config.ts reads process.env inside lambdas/', () => {
    const readers = files.filter(
      (file) => file.startsWith('lambdas/') && /process\.env\b/.test(readFileSync(join(root, file), 'utf8')),
    );
    expect(readers).toEqual(['lambdas/shared/config.ts']);
  });
});

/** Parsing and printing of the planner's units: durations, byte sizes, counts. */

const SECONDS_PER_UNIT: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** `90`, `90s`, `30m`, `24h`, `7d`, `1h30m` → seconds (a positive integer). */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return positive(Number(trimmed), text);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed)
    throw new RangeError(`bad duration "${text}": use e.g. 90s, 30m, 24h, 7d`);
  return positive(
    Math.round(
      parts.reduce((sum, [, n, unit]) => sum + Number(n) * (SECONDS_PER_UNIT[unit as string] ?? 0), 0),
    ),
    text,
  );
}

/** Seconds → `7d`, `24h`, `1h30m`, `45s`. */
export function formatDuration(seconds: number): string {
  const out: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      out.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return out.join('') || '0s';
}

/** Bytes → `1.23 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 2)} ${units[unit]}`;
}

/** 194400000 → `194.4 M`. */
export function formatCount(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)} G`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(1)} M`;
  if (count >= 1e3) return `${(count / 1e3).toFixed(1)} k`;
  return count.toFixed(0);
}

/** A finite number ≥ 0 (or > 0 when `isStrict`) from a CLI value. */
export function parseNumber(text: string, name: string, isStrict = true): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || (isStrict && value === 0))
    throw new RangeError(`${name} must be a ${isStrict ? 'positive' : 'non-negative'} number, got "${text}"`);
  return value;
}

function positive(value: number, text: string): number {
  if (!Number.isFinite(value) || value < 1)
    throw new RangeError(`bad duration "${text}": must be at least 1 s`);
  return value;
}

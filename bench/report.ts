import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One line of `bench/results/latest.json`. `baseline`/`ratio` are null on lines that are themselves a baseline. */
export interface BenchResult {
  name: string;
  /** null: the scenario could not produce the number (its `error` says why). */
  value: number | null;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  /** Extra fields (latency percentiles, counts) go to the JSON and, when numeric, next to the line in the table. */
  [extra: string]: string | number | null;
}

export function result(
  name: string,
  value: number,
  unit: string,
  baseline: number | null = null,
  extra: Record<string, string | number | null> = {},
): BenchResult {
  return {
    name,
    value: round(value),
    unit,
    baseline: baseline === null ? null : round(baseline),
    ratio: baseline ? round(value / baseline, 3) : null,
    ...extra,
  };
}

/** A line for a number the scenario could not measure: the table shows '-', the JSON the error. */
export function failed(
  name: string,
  unit: string,
  error: string,
  extra: Record<string, string | number | null> = {},
): BenchResult {
  return { name, value: null, unit, baseline: null, ratio: null, ...extra, error };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const CORE = new Set(['name', 'value', 'unit', 'baseline', 'ratio']);

export function printTable(results: readonly BenchResult[]): void {
  const rows = results.map((r) => [r.name, fmt(r.value), r.unit, fmt(r.baseline), fmt(r.ratio), extras(r)]);
  const header = ['name', 'value', 'unit', 'baseline', 'ratio', 'details'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 || i === 3 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
}

export function writeResults(file: string, results: readonly BenchResult[]): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ generatedAt: new Date().toISOString(), results }, null, 2)}\n`);
}

function fmt(value: number | null): string {
  return value === null ? '-' : value.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

function extras(r: BenchResult): string {
  return Object.entries(r)
    .filter(([k, v]) => !CORE.has(k) && v !== null)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v) : v}`)
    .join(' ');
}

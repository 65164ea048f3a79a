import type { z } from 'zod';
import { InputError } from './errors.ts';

/** `['lines', 2, 'sku']` → `lines[2].sku`: the way a person reads a field's address. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    '',
  );
}

/** The first issue of a failed parse, as an InputError naming the field. */
export function toInputError(error: z.ZodError): InputError {
  const issue = error.issues[0]!;
  return new InputError(fieldPath(issue.path) || '(body)', issue.message);
}

/** Parses untrusted input at the edge; throws an InputError naming the first offending field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw toInputError(result.error);
  return result.data;
}

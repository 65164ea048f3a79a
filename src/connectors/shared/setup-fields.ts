import type { z } from 'zod';
import { PermanentError } from '../../domain/permanent-error.ts';

/** A rule across an entry's fields that failed: the field at fault (in the entry) and why. */
export interface SetupProblem {
  field: string;
  message: string;
}

/**
 * An adapter's settings, declared once in its own folder: `config` is stored as it is and shown by the API,
 * `secrets` are sealed at rest and never shown or logged. In the setup document both sit side by side in the
 * adapter's entry (a channel, a supplier's transport), so storing, sealing and redacting are the same for every
 * adapter: each field belongs to one of the two objects.
 *
 * @example
 * const setup = {
 *   config: z.object({ shopDomain: z.string() }),
 *   secrets: z.object({ webhookSecret: z.string().min(16) }),
 *   check: (entry) => (entry.fulfillmentService && !entry.accessToken ? { field: 'fulfillmentService', message: '…' } : null),
 * } satisfies SetupFields<ConfigShape, SecretsShape>;
 */
export interface SetupFields<
  CS extends z.ZodRawShape = z.ZodRawShape,
  SS extends z.ZodRawShape = z.ZodRawShape,
> {
  config: z.ZodObject<CS>;
  secrets: z.ZodObject<SS>;
  /** Rules across the fields of one entry (two that come as a pair), checked when the document is read. */
  check?(entry: z.output<z.ZodObject<CS>> & z.output<z.ZodObject<SS>>): SetupProblem | null;
}

/** The entry's fields split into what is stored as settings and what is sealed; fields left out stay out. */
export function splitSetupEntry(
  fields: SetupFields,
  entry: Readonly<Record<string, unknown>>,
): { config: Record<string, unknown>; secrets: Record<string, string> } {
  const config: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const key of Object.keys(fields.config.shape)) if (entry[key] !== undefined) config[key] = entry[key];
  for (const key of Object.keys(fields.secrets.shape)) {
    const value = entry[key];
    if (typeof value === 'string') secrets[key] = value;
  }
  return { config, secrets };
}

/**
 * Stored settings as their schema reads them. They passed it when they were applied; ones a newer Waybill no
 * longer takes are the partner's setup problem, told as such (retrying cannot help), not a fault of what is being
 * done with it.
 */
export function readStoredSettings<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
  value: unknown,
  what: string,
): z.output<z.ZodObject<Shape>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new PermanentError(
    `${what} no longer validate (${issue.path.join('.') || '(root)'}: ${issue.message}): apply its setup again`,
  );
}

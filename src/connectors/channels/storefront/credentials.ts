import { z } from 'zod';
import type { SetupProblem } from '../../shared/setup-fields.ts';

/** The generic storefront: where Waybill posts events (optional: a storefront may only send orders). */
export const storefrontConfig = z.object({
  notifyUrl: z.url({ protocol: /^https?$/ }).optional(),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});
export type StorefrontConfig = z.infer<typeof storefrontConfig>;

/** Secrets: encrypted at rest, never returned, never logged. */
export const storefrontSecrets = z.object({
  /** The key of the X-Waybill-Signature on every event (docs/wire-formats.md). */
  notifySecret: z.string().min(16, 'must be at least 16 characters').optional(),
});
export type StorefrontSecrets = z.infer<typeof storefrontSecrets>;

/** Events are signed: an address to post them to needs the key to sign them with. */
export function checkStorefrontSetup(entry: StorefrontConfig & StorefrontSecrets): SetupProblem | null {
  return entry.notifyUrl && !entry.notifySecret
    ? { field: 'notifySecret', message: 'is required with notifyUrl' }
    : null;
}

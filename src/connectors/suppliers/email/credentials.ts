import { z } from 'zod';
import type { SetupProblem } from '../../shared/setup-fields.ts';

const address = z.email();
const timeout = (fallback: number) => z.number().int().min(1_000).max(300_000).default(fallback);

/**
 * The retailer's SMTP server and the supplier's addresses (not secret: stored and shown as they are). `secure`:
 * TLS from the first byte (port 465); otherwise the connection starts plain and `requireTLS` makes STARTTLS a must
 * (port 587), so credentials and POs never cross the network in clear unless it is turned off on purpose.
 */
export const emailConfig = z.object({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65_535).default(587),
  secure: z.boolean().default(false),
  requireTLS: z.boolean().default(true),
  /** The retailer's address the PO comes from, and its display name (default: the retailer's name on the PO). */
  fromAddress: address,
  fromName: z.string().min(1).max(200).optional(),
  /** The supplier's order desk: at least one address. */
  to: z.array(address).min(1).max(20),
  cc: z.array(address).max(20).default([]),
  connectionTimeoutMs: timeout(10_000),
  greetingTimeoutMs: timeout(10_000),
  // Under the PO job's own 30 s, so a stalled server is told as such rather than as the job's timeout.
  socketTimeoutMs: timeout(20_000),
});
export type EmailConfig = z.infer<typeof emailConfig>;

/** SMTP AUTH, when the server asks for it: both or neither. Encrypted at rest, never returned. */
export const emailSecrets = z.object({
  smtpUser: z.string().min(1).max(320).optional(),
  smtpPassword: z.string().min(1).max(1024).optional(),
});
export type EmailSecrets = z.infer<typeof emailSecrets>;

/** The setup rule across the two: a user without a password (or the reverse) is a typing slip, said at once. */
export function checkEmailEntry(entry: EmailSecrets): SetupProblem | null {
  if (entry.smtpUser !== undefined && entry.smtpPassword === undefined)
    return { field: 'smtpPassword', message: 'required with smtpUser' };
  if (entry.smtpPassword !== undefined && entry.smtpUser === undefined)
    return { field: 'smtpUser', message: 'required with smtpPassword' };
  return null;
}

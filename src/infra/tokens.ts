import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys and supplier tokens are long random strings, so a plain SHA-256 is enough to store them safely: there
 * is nothing to brute-force that a slow hash would protect. Lookups go by the hash, never by the secret.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

/** `t=<unix>,v1=<hex>`: the signature on everything Waybill sends (docs/wire-formats.md). */
export function signPayload(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Constant-time comparison of two strings of possibly different length. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

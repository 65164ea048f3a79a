import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encrypts credentials at rest with AES-256-GCM under the master key (`WAYBILL_SECRET_KEY`, 32 bytes as base64 or
 * hex). The stored form is `v1.<iv>.<tag>.<ciphertext>` in base64url, so a later key rotation can add `v2`.
 *
 * @example
 * const box = SecretBox.fromKey(process.env.WAYBILL_SECRET_KEY!);
 * const stored = box.seal({ signingSecret: 's3cret' });
 * box.open(stored); // → { signingSecret: 's3cret' }
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromKey(text: string): SecretBox {
    const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
    if (key.length !== 32) throw new Error('WAYBILL_SECRET_KEY must be 32 bytes, as 64 hex digits or base64');
    return new SecretBox(key);
  }

  static generateKey(): string {
    return randomBytes(32).toString('base64');
  }

  seal(secrets: Record<string, string>): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  open(stored: string): Record<string, string> {
    const [version, iv, tag, body] = stored.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unreadable sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
    return JSON.parse(text) as Record<string, string>;
  }
}

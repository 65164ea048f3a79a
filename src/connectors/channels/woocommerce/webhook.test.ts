import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSignedByWooCommerce, wpSpecialcharsDecode } from './webhook.ts';

const body = Buffer.from('{"id":4750}');
const signed = (key: string) => createHmac('sha256', key).update(body).digest('base64');

describe('WooCommerce webhook signature', () => {
  it('is keyed with the secret as WooCommerce decodes it: a stored &amp; verifies, typed either way', () => {
    // WooCommerce keys the HMAC with wp_specialchars_decode('s3cr&amp;t-0123456789', ENT_QUOTES) = 's3cr&t-0123456789'.
    const wooSignature = signed('s3cr&t-0123456789');
    expect(isSignedByWooCommerce(body, wooSignature, 's3cr&amp;t-0123456789')).toBe(true);
    expect(isSignedByWooCommerce(body, wooSignature, 's3cr&t-0123456789')).toBe(true);
    // A sender that keys with the stored text undecoded is not WooCommerce.
    expect(isSignedByWooCommerce(body, signed('s3cr&amp;t-0123456789'), 's3cr&amp;t-0123456789')).toBe(false);
    expect(isSignedByWooCommerce(body, wooSignature, 's3cr&amp;t-0123456780')).toBe(false);
    expect(isSignedByWooCommerce(body, undefined, 's3cr&amp;t-0123456789')).toBe(false);
  });

  it('decodes as wp_specialchars_decode(ENT_QUOTES) does: the five characters, padded and hex forms, one pass', () => {
    expect(wpSpecialcharsDecode('a&amp;b&lt;c&gt;d&quot;e&#039;f')).toBe('a&b<c>d"e\'f');
    expect(wpSpecialcharsDecode('&#38;&#0038;&#x26;&#X0026;&#39;&#x27;&#34;&#x22;&#60;&#62;')).toBe(
      '&&&&\'\'""<>',
    );
    expect(wpSpecialcharsDecode('&amp;lt;')).toBe('&lt;');
    // Anything else stays as it is: other entities, a bare ampersand, an unterminated one.
    expect(wpSpecialcharsDecode('&eacute; & &amp &#40; plain')).toBe('&eacute; & &amp &#40; plain');
  });
});

import { describe, expect, it } from 'vitest';
import { settingsWithoutCredentials, withoutUrlCredentials } from './url-credentials.ts';

describe('addresses without their credentials', () => {
  it('hides user and password, or a token, of every address in a text, and leaves the rest', () => {
    expect(
      withoutUrlCredentials('https://bob:s3cret@proxy.example/admin and http://tok@h:8080/x answered 502'),
    ).toBe('https://***@proxy.example/admin and http://***@h:8080/x answered 502');
    expect(withoutUrlCredentials('https://shop.example/wp-json a@b.example')).toBe(
      'https://shop.example/wp-json a@b.example',
    );
  });

  it('in settings, only the strings change', () => {
    expect(
      settingsWithoutCredentials({ adminUrl: 'https://u:p@proxy', timeoutMs: 5000, nested: { a: 1 } }),
    ).toEqual({
      adminUrl: 'https://***@proxy',
      timeoutMs: 5000,
      nested: { a: 1 },
    });
  });

  it('takes out the values of secret-named query parameters, and leaves the others', () => {
    expect(
      withoutUrlCredentials(
        'https://feeds.example/stock.csv?api_key=SECRET1&lang=de&X-Amz-Signature=abc123&page=2 answered 404',
      ),
    ).toBe('https://feeds.example/stock.csv?api_key=***&lang=de&X-Amz-Signature=***&page=2 answered 404');
  });
});

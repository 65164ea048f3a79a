import { describe, expect, it } from 'vitest';
import { isCountryCode } from './address.ts';

describe('isCountryCode (ISO 3166-1 alpha-2)', () => {
  it.each(['US', 'DE', 'GB', 'FR', 'JP', 'CA', 'AU', 'BR', 'CH', 'NL'])('accepts %s', (code) => {
    expect(isCountryCode(code)).toBe(true);
  });

  it.each([
    ['XX', 'an unassigned code'],
    ['AA', 'a user-assigned code'],
    ['us', 'lower case'],
    ['Us', 'mixed case'],
    ['USA', 'alpha-3'],
    ['840', 'numeric'],
    ['U', 'one letter'],
    ['', 'empty'],
    [' US', 'a leading space'],
    ['U1', 'a digit'],
  ])('rejects %j (%s)', (code) => {
    expect(isCountryCode(code)).toBe(false);
  });

  // Codes ICU knows as regions but ISO 3166-1 does not assign to a country.
  it.each([
    ['ZZ', 'Unknown Region'],
    ['XA', 'Pseudo-Accents'],
    ['EU', 'European Union'],
    ['UN', 'United Nations'],
    ['EZ', 'Eurozone'],
    ['QO', 'Outlying Oceania'],
    ['SU', 'the withdrawn code of the Soviet Union'],
    ['DD', 'the withdrawn code of East Germany'],
  ])('rejects %s (%s), which is no ISO 3166-1 country code', (code) => {
    expect(isCountryCode(code)).toBe(false);
  });
});

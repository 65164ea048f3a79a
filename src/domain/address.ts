import countries from 'i18n-iso-countries';

/** ISO 3166-1 alpha-2 (officially assigned codes, plus XK for Kosovo), from the maintained `i18n-iso-countries` data. */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && countries.isValid(code);
}

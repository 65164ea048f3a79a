import countries from 'i18n-iso-countries';

/** ISO 3166-1 alpha-2 (officially assigned codes, plus XK for Kosovo), from the maintained `i18n-iso-countries` data. */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && countries.isValid(code);
}

/**
 * Why a shipping address cannot be shipped to, or null when it can: a name, a street, a city and a real country,
 * and a postal code where the country has them. A channel may send an order with none at all (a Shopify order
 * without `shipping_address`, a WooCommerce `shipping: null`): it is held for a person, never sent out blank.
 */
export function shippingAddressProblem(address: {
  name: string;
  line1: string;
  city: string;
  postalCode: string;
  country: string;
}): string | null {
  const missing: string[] = (['name', 'line1', 'city'] as const).filter((field) => !address[field].trim());
  if (!address.country.trim()) missing.push('country');
  else if (!isCountryCode(address.country))
    return `the shipping address's country ${JSON.stringify(address.country)} is not an ISO 3166-1 country`;
  if (!address.postalCode.trim() && !NO_POSTAL_CODES.has(address.country)) missing.push('postalCode');
  return missing.length ? `the shipping address has no ${missing.join(', ')}` : null;
}

/** Countries whose addresses carry no postal code (Hong Kong, Ireland's rural addresses before Eircode aside, the Gulf states, …). */
const NO_POSTAL_CODES: ReadonlySet<string> = new Set([
  'AE',
  'AG',
  'AO',
  'AW',
  'BF',
  'BI',
  'BJ',
  'BO',
  'BS',
  'BW',
  'BZ',
  'CD',
  'CF',
  'CG',
  'CI',
  'CK',
  'CM',
  'DJ',
  'DM',
  'ER',
  'FJ',
  'GA',
  'GD',
  'GH',
  'GM',
  'GQ',
  'GY',
  'HK',
  'JM',
  'KI',
  'KM',
  'KN',
  'KP',
  'LY',
  'ML',
  'MO',
  'MR',
  'MW',
  'NR',
  'NU',
  'QA',
  'RW',
  'SB',
  'SC',
  'SL',
  'SR',
  'SS',
  'ST',
  'SY',
  'TD',
  'TG',
  'TK',
  'TL',
  'TO',
  'TV',
  'UG',
  'VU',
  'YE',
  'ZW',
]);

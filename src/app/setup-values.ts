import { z } from 'zod';
import { isCountryCode } from '../domain/address.ts';
import { isCurrencyCode } from '../domain/money.ts';

// Values the setup document and the API's setup endpoints share.

/** A channel's, supplier's or warehouse's id. */
export const setupId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes');
export const currencyCode = z.string().refine(isCurrencyCode, 'must be an ISO 4217 currency code');
export const countryCode = z.string().refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code');

/** Where a node ships from, or an area: a country, with a region (ISO 3166-2 subdivision, e.g. IL) and postal code. */
export const place = z.strictObject({
  country: countryCode,
  region: z.string().min(1).optional(),
  postalCode: z.string().min(1).optional(),
});

import { createRequire } from 'node:module';
import type Holidays from 'date-holidays';
import type { HolidayCheck } from '../domain/business-hours.ts';

/**
 * Public holidays from the maintained `date-holidays` data, as the domain's {@link HolidayCheck}: true only for days
 * of a holiday of type `public` (substitute days the library gives for a holiday on a weekend included), never for
 * observances, optional, school or bank holidays. `region` is the ISO 3166-2 subdivision ('BY' or 'DE-BY').
 * A day counts whole even if the holiday starts at noon (the check is per day); a holiday the library starts at the
 * previous sunset counts for its own date only. Unknown country or region: an Error naming it (the library itself
 * would quietly answer with no holidays, or the country's).
 *
 * @example
 * const closed = publicHolidays('US');
 * closed('2026-11-26'); // true: Thanksgiving
 * closed('2026-11-27'); // false: the day after is an observance
 * publicHolidays('DE', 'BY')('2026-01-06'); // true: Epiphany in Bavaria
 */
export function publicHolidays(country: string, region?: string): HolidayCheck {
  const place = normalise(country, region);
  if (!countryKnown(place.country)) throw new Error(`unknown country for public holidays: ${country}`);
  if (place.region !== undefined && !regionKnown(place.country, place.region))
    throw new Error(`unknown region ${region} of ${place.country} for public holidays`);
  const key = `${place.country}/${place.region ?? ''}`;
  let check = checks.get(key);
  if (!check) checks.set(key, (check = holidayCheck(place.country, place.region)));
  return check;
}

/**
 * Whether `date-holidays` knows a country (ISO 3166-1 alpha-2) and, if given, its region (ISO 3166-2 subdivision,
 * 'BY' or 'DE-BY'): for validating a supplier's setup before {@link publicHolidays} throws.
 *
 * @example
 * holidayRegionKnown('DE', 'BY'); // true
 * holidayRegionKnown('DE', 'XX'); // false
 * holidayRegionKnown('XX'); // false
 */
export function holidayRegionKnown(country: string, region?: string): boolean {
  const place = normalise(country, region);
  return (
    countryKnown(place.country) && (place.region === undefined || regionKnown(place.country, place.region))
  );
}

const DAY_MS = 86_400_000;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const checks = new Map<string, HolidayCheck>();
let directory: Holidays | undefined;
/**
 * The library, loaded on first use: its data for every country is tens of megabytes in each process, and a hub
 * whose suppliers keep no holiday calendar never needs it.
 */
let loaded: typeof Holidays | undefined;
const HolidaysLibrary = () => (loaded ??= createRequire(import.meta.url)('date-holidays') as typeof Holidays);
// The library's listing of countries and subdivisions, for the look-ups that it would otherwise answer silently.
const library = () => (directory ??= new (HolidaysLibrary())());

function normalise(country: string, region: string | undefined): { country: string; region?: string } {
  const c = country.trim().toUpperCase();
  let r = region?.trim().toUpperCase() || undefined;
  if (r?.startsWith(`${c}-`)) r = r.slice(c.length + 1);
  return { country: c, region: r };
}

function countryKnown(country: string): boolean {
  return /^[A-Z]{2}$/.test(country) && Object.hasOwn(library().getCountries(), country);
}

function regionKnown(country: string, region: string): boolean {
  const states = library().getStates(country) as Record<string, string> | undefined;
  return states !== undefined && Object.keys(states).some((s) => s.toUpperCase() === region);
}

function holidayCheck(country: string, region: string | undefined): HolidayCheck {
  // In UTC the library's start and end are the holiday's own wall-clock times, so dates read off them directly
  // whatever the supplier's zone or the server's.
  const holidays = new (HolidaysLibrary())({ country, state: region }, { timezone: 'UTC' });
  const years = new Map<number, ReadonlySet<string>>();
  return (localDate) => {
    if (!LOCAL_DATE.test(localDate)) throw new RangeError(`a local date is YYYY-MM-DD, got ${localDate}`);
    const year = Number(localDate.slice(0, 4));
    let dates = years.get(year);
    if (!dates) years.set(year, (dates = publicDatesOf(holidays, year)));
    return dates.has(localDate);
  };
}

/** The dates of `year` that a public holiday covers, from that year's holidays and any running on from the last. */
function publicDatesOf(holidays: Holidays, year: number): ReadonlySet<string> {
  const dates = new Set<string>();
  for (const h of [...holidays.getHolidays(year - 1), ...holidays.getHolidays(year)]) {
    if (h.type !== 'public') continue;
    // `date` is the local day it is for ('2026-03-20 00:00:00 -0600' starts at the previous sunset: the 20th);
    // the end gives how many days it runs.
    const first = Date.parse(h.date.slice(0, 10));
    const last = Math.max(first, Date.parse(new Date(h.end.getTime() - 1).toISOString().slice(0, 10)));
    for (let d = first; d <= last; d += DAY_MS) {
      const iso = new Date(d).toISOString().slice(0, 10);
      if (iso.startsWith(`${year}-`)) dates.add(iso);
    }
  }
  return dates;
}

import { describe, expect, it } from 'vitest';
import { addWorkingMinutes } from '../domain/business-hours.ts';
import { holidayRegionKnown, publicHolidays } from './holidays.ts';

describe('publicHolidays', () => {
  it('knows US Thanksgiving and Christmas, not the day after Thanksgiving (an observance)', () => {
    const us = publicHolidays('US');
    expect(us('2026-11-26')).toBe(true);
    expect(us('2026-11-27')).toBe(false);
    expect(us('2026-12-25')).toBe(true);
    expect(us('2026-11-25')).toBe(false);
  });

  it('leaves out optional days and observances (US Christmas Eve, Halloween, Valentine’s Day)', () => {
    const us = publicHolidays('US');
    expect(us('2026-12-24')).toBe(false);
    expect(us('2026-10-31')).toBe(false);
    expect(us('2026-02-14')).toBe(false);
  });

  it('includes the substitute day the library gives for a holiday on a weekend', () => {
    const us = publicHolidays('US');
    // Independence Day 2026 is a Saturday: observed on Friday the 3rd.
    expect(us('2026-07-03')).toBe(true);
    expect(us('2026-07-04')).toBe(true);
    // Christmas 2027 is a Saturday: observed on Friday the 24th (also Christmas Eve, an optional day, that year).
    expect(us('2027-12-24')).toBe(true);
    // Boxing Day 2026 is a Saturday in the UK: observed on Monday the 28th.
    expect(publicHolidays('GB')('2026-12-28')).toBe(true);
  });

  it('knows regional holidays: Epiphany in Bavaria, not in Berlin', () => {
    expect(publicHolidays('DE', 'BY')('2026-01-06')).toBe(true);
    expect(publicHolidays('DE', 'BE')('2026-01-06')).toBe(false);
    expect(publicHolidays('DE')('2026-01-06')).toBe(false);
    expect(publicHolidays('DE', 'BE')('2026-12-25')).toBe(true);
  });

  it('knows Christmas and Boxing Day in GB', () => {
    const gb = publicHolidays('GB');
    expect(gb('2026-12-25')).toBe(true);
    expect(gb('2026-12-26')).toBe(true);
    expect(gb('2026-12-29')).toBe(false);
  });

  it('counts every day of a holiday that runs several days, and one running into the new year', () => {
    // Eswatini's Incwala runs six days from 28 December.
    const sz = publicHolidays('SZ');
    for (const d of ['2026-12-28', '2026-12-31', '2027-01-01', '2027-01-02']) expect(sz(d)).toBe(true);
    expect(sz('2027-01-03')).toBe(false);
  });

  it('counts a holiday the library starts at the previous sunset for its own date only', () => {
    // Eid al-Fitr 2026 in the UAE: three days from 20 March, starting the evening of the 19th.
    const ae = publicHolidays('AE');
    expect(['2026-03-19', '2026-03-20', '2026-03-21', '2026-03-22', '2026-03-23'].map(ae)).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it('reads codes in any case and a region with its country prefix', () => {
    expect(publicHolidays('de', 'by')('2026-01-06')).toBe(true);
    expect(publicHolidays('DE', 'DE-BY')('2026-01-06')).toBe(true);
  });

  it('gives the same check for the same place (cached)', () => {
    expect(publicHolidays('DE', 'BY')).toBe(publicHolidays('de', 'DE-BY'));
    expect(publicHolidays('DE', 'BY')).not.toBe(publicHolidays('DE', 'BE'));
  });

  it('throws for an unknown country or region, naming it', () => {
    expect(() => publicHolidays('XX')).toThrow('unknown country for public holidays: XX');
    expect(() => publicHolidays('')).toThrow(/unknown country/);
    expect(() => publicHolidays('DE', 'ZZ')).toThrow('unknown region ZZ of DE');
  });

  it('refuses a malformed date', () => {
    expect(() => publicHolidays('US')('26-11-2026')).toThrow(RangeError);
  });

  it('serves the working calendar: Wednesday before Thanksgiving + 2 h in Chicago is Friday', () => {
    const chicago = { timeZone: 'America/Chicago', days: [1, 2, 3, 4, 5], opens: '09:00', closes: '17:00' };
    const due = addWorkingMinutes(new Date('2026-11-25T22:00:00Z'), 120, chicago, publicHolidays('US'));
    expect(due.toISOString()).toBe('2026-11-27T16:00:00.000Z'); // Friday 10:00 CST
  });
});

describe('holidayRegionKnown', () => {
  it.each([
    ['US', undefined, true],
    ['us', undefined, true],
    ['DE', 'BY', true],
    ['DE', 'by', true],
    ['DE', 'DE-BY', true],
    ['US', 'CA', true],
    ['GB', 'SCT', true],
    ['DE', 'ZZ', false],
    ['DE', 'US-CA', false],
    ['XX', undefined, false],
    ['XX', 'BY', false],
    ['', undefined, false],
    ['USA', undefined, false],
    ['LU', 'ANY', false], // a country without subdivisions in the data
  ])('%s / %s → %s', (country, region, known) => {
    expect(holidayRegionKnown(country, region)).toBe(known);
  });
});

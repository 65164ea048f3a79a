import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  ALWAYS_OPEN,
  NO_HOLIDAYS,
  addWorkingMinutes,
  calendarProblems,
  workingMinutesBetween,
  type HolidayCheck,
  type WorkingCalendar,
} from './business-hours.ts';

const weekdays = (timeZone: string, opens = '09:00', closes = '17:00'): WorkingCalendar => ({
  timeZone,
  days: [1, 2, 3, 4, 5],
  opens,
  closes,
});
const BERLIN = weekdays('Europe/Berlin');
const CHICAGO = weekdays('America/Chicago');
const NEW_YORK = weekdays('America/New_York');

/** A local wall-clock time in a zone, e.g. at('2026-03-13T16:00', 'Europe/Berlin'). */
const at = (local: string, zone: string): Date => {
  const d = DateTime.fromISO(local, { zone });
  if (!d.isValid) throw new Error(`bad test time ${local}`);
  return d.toJSDate();
};
/** A moment as local wall-clock time with weekday and offset, for readable expectations. */
const local = (d: Date, zone: string): string =>
  DateTime.fromJSDate(d, { zone }).toFormat("ccc yyyy-MM-dd HH:mm 'UTC'ZZ");

const holidays =
  (...dates: string[]): HolidayCheck =>
  (date) =>
    dates.includes(date);
const US_2026 = holidays('2026-11-26', '2026-12-25', '2027-01-01');

describe('calendarProblems', () => {
  it('finds nothing wrong with a well-formed calendar', () => {
    expect(calendarProblems(BERLIN)).toEqual([]);
    expect(calendarProblems(ALWAYS_OPEN)).toEqual([]);
    expect(
      calendarProblems({ timeZone: 'Asia/Kolkata', days: [7], opens: '00:00', closes: '00:01' }),
    ).toEqual([]);
  });

  it("allows '24:00' as a closing time (the end of the day) but not as an opening time", () => {
    expect(calendarProblems({ ...BERLIN, opens: '00:00', closes: '24:00' })).toEqual([]);
    expect(calendarProblems({ ...BERLIN, opens: '24:00' }).map((p) => p.field)).toEqual(['opens']);
  });

  it.each([
    [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone', /unknown IANA time zone: Mars\/Olympus_Mons/],
    [{ timeZone: '' }, 'timeZone', /unknown IANA time zone/],
    [{ days: [] }, 'days', /at least one working day/],
    [{ days: [0, 1, 8, 2.5] }, 'days', /got 0, 8, 2.5/],
    [{ opens: '9:00' }, 'opens', /HH:MM/],
    [{ opens: '09:60' }, 'opens', /HH:MM/],
    [{ closes: '25:00' }, 'closes', /HH:MM/],
    [{ closes: '00:00' }, 'closes', /00:01–24:00/],
    [{ closes: '09:00' }, 'closes', /closing time 09:00 must be after opening time 09:00/],
    [{ opens: '22:00', closes: '06:00' }, 'closes', /no overnight shifts/],
  ])('reports %j as a problem with %s', (change, field, message) => {
    const problems = calendarProblems({ ...BERLIN, ...change });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.field).toBe(field);
    expect(problems[0]!.message).toMatch(message);
  });

  it('reports every problem at once', () => {
    const problems = calendarProblems({ timeZone: 'Nowhere/Town', days: [9], opens: 'nine', closes: '5pm' });
    expect(problems.map((p) => p.field)).toEqual(['timeZone', 'days', 'opens', 'closes']);
  });
});

describe('addWorkingMinutes', () => {
  const add = (start: Date, minutes: number, calendar = BERLIN, isHoliday: HolidayCheck = NO_HOLIDAYS) =>
    local(addWorkingMinutes(start, minutes, calendar, isHoliday), calendar.timeZone);

  it('stays within one day when the minutes fit', () => {
    expect(add(at('2026-03-10T10:00', 'Europe/Berlin'), 90)).toBe('Tue 2026-03-10 11:30 UTC+01:00');
  });

  it('carries what is left at closing time over to the next opening', () => {
    expect(add(at('2026-03-10T16:00', 'Europe/Berlin'), 120)).toBe('Wed 2026-03-11 10:00 UTC+01:00');
  });

  it('ends at the closing time, not the next opening, when the minutes are exactly the rest of the day', () => {
    expect(add(at('2026-03-10T16:00', 'Europe/Berlin'), 60)).toBe('Tue 2026-03-10 17:00 UTC+01:00');
    expect(add(at('2026-03-13T09:00', 'Europe/Berlin'), 480)).toBe('Fri 2026-03-13 17:00 UTC+01:00');
  });

  it('goes from Friday afternoon to Monday morning over the weekend (Berlin)', () => {
    expect(add(at('2026-03-13T16:00', 'Europe/Berlin'), 120)).toBe('Mon 2026-03-16 10:00 UTC+01:00');
  });

  it('goes from Friday afternoon to Monday morning over the weekend (Chicago)', () => {
    expect(add(at('2026-03-13T16:00', 'America/Chicago'), 120, CHICAGO)).toBe(
      'Mon 2026-03-16 10:00 UTC-05:00',
    );
  });

  it('skips a holiday on the way (US Thanksgiving)', () => {
    // Wednesday 16:00 + 2 h: one hour on Wednesday, Thursday is Thanksgiving, the second hour on Friday.
    expect(add(at('2026-11-25T16:00', 'America/Chicago'), 120, CHICAGO, US_2026)).toBe(
      'Fri 2026-11-27 10:00 UTC-06:00',
    );
    expect(add(at('2026-11-25T16:00', 'America/Chicago'), 120, CHICAGO, NO_HOLIDAYS)).toBe(
      'Thu 2026-11-26 10:00 UTC-06:00',
    );
  });

  it('skips Christmas on a Friday and the weekend after it', () => {
    expect(add(at('2026-12-24T16:30', 'America/Chicago'), 60, CHICAGO, US_2026)).toBe(
      'Mon 2026-12-28 09:30 UTC-06:00',
    );
  });

  it('skips a holiday that is the start day itself', () => {
    expect(add(at('2026-11-26T10:00', 'America/Chicago'), 30, CHICAGO, US_2026)).toBe(
      'Fri 2026-11-27 09:30 UTC-06:00',
    );
  });

  it('counts a start during the weekend from Monday opening', () => {
    expect(add(at('2026-03-14T11:00', 'Europe/Berlin'), 45)).toBe('Mon 2026-03-16 09:45 UTC+01:00');
    expect(add(at('2026-03-15T23:59', 'Europe/Berlin'), 45)).toBe('Mon 2026-03-16 09:45 UTC+01:00');
  });

  it('counts a start before opening from the opening and a start after closing from the next opening', () => {
    expect(add(at('2026-03-10T06:00', 'Europe/Berlin'), 30)).toBe('Tue 2026-03-10 09:30 UTC+01:00');
    expect(add(at('2026-03-10T20:00', 'Europe/Berlin'), 30)).toBe('Wed 2026-03-11 09:30 UTC+01:00');
  });

  describe('adding nothing', () => {
    it('is the start itself within working hours, opening and closing time included', () => {
      for (const t of ['2026-03-10T09:00', '2026-03-10T12:34', '2026-03-10T17:00'])
        expect(addWorkingMinutes(at(t, 'Europe/Berlin'), 0, BERLIN, NO_HOLIDAYS)).toEqual(
          at(t, 'Europe/Berlin'),
        );
    });

    it('is the next opening outside working hours', () => {
      expect(add(at('2026-03-10T08:59', 'Europe/Berlin'), 0)).toBe('Tue 2026-03-10 09:00 UTC+01:00');
      expect(add(at('2026-03-10T17:01', 'Europe/Berlin'), 0)).toBe('Wed 2026-03-11 09:00 UTC+01:00');
      expect(add(at('2026-03-14T12:00', 'Europe/Berlin'), 0)).toBe('Mon 2026-03-16 09:00 UTC+01:00');
    });
  });

  it('asks the holiday check about local dates in the calendar zone, only for working days', () => {
    const asked: string[] = [];
    const tokyo = weekdays('Asia/Tokyo');
    // Sunday 23:30 UTC is already Monday 08:30 in Tokyo.
    const result = addWorkingMinutes(new Date('2026-01-04T23:30:00Z'), 8 * 60 + 60, tokyo, (date) => {
      asked.push(date);
      return false;
    });
    expect(local(result, 'Asia/Tokyo')).toBe('Tue 2026-01-06 10:00 UTC+09:00');
    expect(asked).toEqual(['2026-01-05', '2026-01-06']);
  });

  it('steps whole days, not minutes: a year of working time asks about each working day once', () => {
    let asked = 0;
    const count: HolidayCheck = () => {
      asked++;
      return false;
    };
    const year = 261 * 8 * 60; // 2026 has 261 weekdays
    const result = addWorkingMinutes(at('2026-01-01T09:00', 'Europe/Berlin'), year, BERLIN, count);
    expect(local(result, 'Europe/Berlin')).toBe('Thu 2026-12-31 17:00 UTC+01:00');
    expect(asked).toBe(261);
  });

  describe('daylight-saving days keep local opening hours', () => {
    const daily = (timeZone: string, opens = '09:00', closes = '17:00'): WorkingCalendar => ({
      timeZone,
      days: [1, 2, 3, 4, 5, 6, 7],
      opens,
      closes,
    });

    it('New York, spring forward on Sunday 2026-03-08: opens at 09:00 EDT, a 23-hour day when open all day', () => {
      expect(add(at('2026-03-07T16:00', 'America/New_York'), 120, daily('America/New_York'))).toBe(
        'Sun 2026-03-08 10:00 UTC-04:00',
      );
      const allDay = daily('America/New_York', '00:00', '24:00');
      const sunday = at('2026-03-08T00:00', 'America/New_York');
      expect(add(sunday, 23 * 60, allDay)).toBe('Mon 2026-03-09 00:00 UTC-04:00');
      expect(
        workingMinutesBetween(sunday, at('2026-03-09T00:00', 'America/New_York'), allDay, NO_HOLIDAYS),
      ).toBe(23 * 60);
      // Open 00:00–12:00 that day: only 11 hours, for the clocks skip 02:00–03:00.
      const mornings = daily('America/New_York', '00:00', '12:00');
      expect(
        workingMinutesBetween(sunday, at('2026-03-09T00:00', 'America/New_York'), mornings, NO_HOLIDAYS),
      ).toBe(11 * 60);
    });

    it('New York, fall back on Sunday 2026-11-01: a 25-hour day when open all day', () => {
      expect(add(at('2026-10-31T16:00', 'America/New_York'), 120, daily('America/New_York'))).toBe(
        'Sun 2026-11-01 10:00 UTC-05:00',
      );
      const allDay = daily('America/New_York', '00:00', '24:00');
      const sunday = at('2026-11-01T00:00', 'America/New_York');
      expect(add(sunday, 24 * 60, allDay)).toBe('Sun 2026-11-01 23:00 UTC-05:00');
      expect(add(sunday, 25 * 60, allDay)).toBe('Mon 2026-11-02 00:00 UTC-05:00');
    });

    it('New York weekdays around the changes: Friday afternoon + 2 h is Monday 10:00 in the new offset', () => {
      expect(add(at('2026-03-06T16:00', 'America/New_York'), 120, NEW_YORK)).toBe(
        'Mon 2026-03-09 10:00 UTC-04:00',
      );
      expect(add(at('2026-10-30T16:00', 'America/New_York'), 120, NEW_YORK)).toBe(
        'Mon 2026-11-02 10:00 UTC-05:00',
      );
    });

    it('Berlin, Sunday 2026-03-29 and Sunday 2026-10-25', () => {
      expect(add(at('2026-03-27T16:00', 'Europe/Berlin'), 120)).toBe('Mon 2026-03-30 10:00 UTC+02:00');
      expect(add(at('2026-10-23T16:00', 'Europe/Berlin'), 120)).toBe('Mon 2026-10-26 10:00 UTC+01:00');
      const allDay = daily('Europe/Berlin', '00:00', '24:00');
      const mar29 = at('2026-03-29T00:00', 'Europe/Berlin');
      const oct25 = at('2026-10-25T00:00', 'Europe/Berlin');
      expect(workingMinutesBetween(mar29, at('2026-03-30T00:00', 'Europe/Berlin'), allDay, NO_HOLIDAYS)).toBe(
        1380,
      );
      expect(workingMinutesBetween(oct25, at('2026-10-26T00:00', 'Europe/Berlin'), allDay, NO_HOLIDAYS)).toBe(
        1500,
      );
    });

    it('an opening time the clocks skip moves forward by the gap; an ambiguous closing time is its later occurrence', () => {
      // 02:30 does not exist on 2026-03-08 in New York: the day opens at 03:30 EDT.
      expect(add(at('2026-03-08T00:00', 'America/New_York'), 0, daily('America/New_York', '02:30'))).toBe(
        'Sun 2026-03-08 03:30 UTC-04:00',
      );
      // 01:30 happens twice on 2026-11-01: the day closes at the second one (EST), two and a half hours after 00:00.
      const night = daily('America/New_York', '00:00', '01:30');
      expect(
        workingMinutesBetween(
          at('2026-11-01T00:00', 'America/New_York'),
          at('2026-11-02T00:00', 'America/New_York'),
          night,
          NO_HOLIDAYS,
        ),
      ).toBe(150);
    });
  });

  describe('a 24/7 calendar', () => {
    it('is plain addition, in UTC and in a zone with daylight saving', () => {
      const start = new Date('2026-03-07T12:34:56.789Z');
      expect(addWorkingMinutes(start, 10_000, ALWAYS_OPEN, NO_HOLIDAYS)).toEqual(
        new Date(start.getTime() + 10_000 * 60_000),
      );
      const newYork = { ...ALWAYS_OPEN, timeZone: 'America/New_York' };
      expect(addWorkingMinutes(start, 10_000, newYork, NO_HOLIDAYS)).toEqual(
        new Date(start.getTime() + 10_000 * 60_000),
      );
    });
  });

  it('refuses a calendar that never works, naming why', () => {
    expect(() =>
      addWorkingMinutes(new Date('2026-01-01T00:00:00Z'), 60, { ...BERLIN, days: [] }, NO_HOLIDAYS),
    ).toThrow(/at least one working day/);
    expect(() => addWorkingMinutes(new Date('2026-01-01T00:00:00Z'), 60, BERLIN, () => true)).toThrow(
      /no working time within 1098 days .*every working day is a holiday/,
    );
  });

  it('refuses a bad calendar, negative or non-finite minutes and invalid dates', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    expect(() =>
      addWorkingMinutes(start, 60, { ...BERLIN, timeZone: 'Europe/Atlantis' }, NO_HOLIDAYS),
    ).toThrow(/invalid working calendar: unknown IANA time zone/);
    expect(() => addWorkingMinutes(start, -1, BERLIN, NO_HOLIDAYS)).toThrow(RangeError);
    expect(() => addWorkingMinutes(start, Number.NaN, BERLIN, NO_HOLIDAYS)).toThrow(RangeError);
    expect(() => addWorkingMinutes(start, Infinity, BERLIN, NO_HOLIDAYS)).toThrow(RangeError);
    expect(() => addWorkingMinutes(new Date('nope'), 60, BERLIN, NO_HOLIDAYS)).toThrow(
      /start must be a valid Date/,
    );
  });
});

describe('workingMinutesBetween', () => {
  it('is 0 when `to` is not after `from`', () => {
    const t = at('2026-03-10T10:00', 'Europe/Berlin');
    expect(workingMinutesBetween(t, t, BERLIN, NO_HOLIDAYS)).toBe(0);
    expect(workingMinutesBetween(t, at('2026-03-10T09:30', 'Europe/Berlin'), BERLIN, NO_HOLIDAYS)).toBe(0);
  });

  it('counts only opening hours of working days that are no holidays', () => {
    const wed = at('2026-11-25T16:00', 'America/Chicago');
    const mon = at('2026-11-30T10:00', 'America/Chicago');
    // Wed 1 h + Thu 8 h (no holidays) + Fri 8 h + Mon 1 h
    expect(workingMinutesBetween(wed, mon, CHICAGO, NO_HOLIDAYS)).toBe(18 * 60);
    // Thanksgiving off
    expect(workingMinutesBetween(wed, mon, CHICAGO, US_2026)).toBe(10 * 60);
  });

  it('counts nothing outside opening hours', () => {
    const sat = at('2026-03-14T10:00', 'Europe/Berlin');
    expect(workingMinutesBetween(sat, at('2026-03-15T20:00', 'Europe/Berlin'), BERLIN, NO_HOLIDAYS)).toBe(0);
    expect(
      workingMinutesBetween(
        at('2026-03-10T17:00', 'Europe/Berlin'),
        at('2026-03-11T09:00', 'Europe/Berlin'),
        BERLIN,
        NO_HOLIDAYS,
      ),
    ).toBe(0);
  });

  it('is fractional when the moments are not on whole minutes', () => {
    const from = new Date(at('2026-03-10T10:00', 'Europe/Berlin').getTime() + 30_000);
    expect(workingMinutesBetween(from, at('2026-03-10T10:02', 'Europe/Berlin'), BERLIN, NO_HOLIDAYS)).toBe(
      1.5,
    );
  });
});

describe('properties', () => {
  const ZONES = [
    'UTC',
    'Europe/Berlin',
    'Europe/London',
    'America/New_York',
    'America/Chicago',
    'America/Santiago', // changes its clocks at midnight
    'Australia/Sydney', // southern hemisphere
    'Australia/Lord_Howe', // a half-hour change
    'Asia/Kolkata',
    'Asia/Tokyo',
    'Pacific/Chatham', // +12:45 / +13:45
  ];
  const hhmm = (minute: number) =>
    minute === 1440
      ? '24:00'
      : `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

  const calendars: fc.Arbitrary<WorkingCalendar> = fc
    .record({
      timeZone: fc.constantFrom(...ZONES),
      days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
      opens: fc.integer({ min: 0, max: 1440 - 30 }),
      length: fc.integer({ min: 30, max: 1440 }),
    })
    .map(({ timeZone, days, opens, length }) => ({
      timeZone,
      days: days.sort(),
      opens: hhmm(opens),
      closes: hhmm(Math.min(1440, opens + length)),
    }));

  const JAN_2026 = Date.UTC(2026, 0, 1);
  const JAN_2028 = Date.UTC(2028, 0, 1);
  const starts = fc.integer({ min: JAN_2026, max: JAN_2028 - 1 }).map((ms) => new Date(ms));
  const minutes = fc.integer({ min: 0, max: 10_000 });
  // A handful of holidays over the years the deadlines reach.
  const holidayChecks: fc.Arbitrary<HolidayCheck> = fc
    .uniqueArray(fc.integer({ min: 0, max: 3 * 366 }), { maxLength: 40 })
    .map((offsets) => {
      const dates = new Set(
        offsets.map((d) => new Date(JAN_2026 + d * 86_400_000).toISOString().slice(0, 10)),
      );
      const check: HolidayCheck = (date) => dates.has(date);
      return Object.assign(check, { toString: () => `holidays ${[...dates].sort().join(' ')}` });
    });

  /** The day's opening hours as instants, as the calendar means them (luxon's rules for skipped or repeated times). */
  const windowOf = (day: DateTime, c: WorkingCalendar, isHoliday: HolidayCheck) => {
    if (!c.days.includes(day.weekday) || isHoliday(day.toISODate()!)) return undefined;
    const time = (hm: string, d: DateTime) =>
      DateTime.fromObject(
        {
          year: d.year,
          month: d.month,
          day: d.day,
          hour: Number(hm.slice(0, 2)),
          minute: Number(hm.slice(3)),
        },
        { zone: c.timeZone },
      ).toMillis();
    const opens = time(c.opens, day);
    const closes = c.closes === '24:00' ? time('00:00', day.plus({ days: 1 })) : time(c.closes, day);
    return { opens, closes };
  };

  it('never goes back in time', () => {
    fc.assert(
      fc.property(starts, minutes, calendars, holidayChecks, (start, m, c, h) => {
        expect(addWorkingMinutes(start, m, c, h).getTime()).toBeGreaterThanOrEqual(start.getTime());
      }),
    );
  });

  it('adding a then b is adding a + b', () => {
    fc.assert(
      fc.property(starts, minutes, minutes, calendars, holidayChecks, (start, a, b, c, h) => {
        const stepwise = addWorkingMinutes(addWorkingMinutes(start, a, c, h), b, c, h);
        expect(stepwise).toEqual(addWorkingMinutes(start, a + b, c, h));
      }),
    );
  });

  it('lands within opening hours (closing time included) of a working day that is no holiday', () => {
    fc.assert(
      fc.property(starts, minutes, calendars, holidayChecks, (start, m, c, h) => {
        const result = addWorkingMinutes(start, m, c, h).getTime();
        const day = DateTime.fromMillis(result, { zone: c.timeZone }).startOf('day');
        // The day the result falls on, or (closing at 24:00) the day before, whose closing is this midnight.
        const inside = [day, day.minus({ days: 1 })].some((d) => {
          const w = windowOf(d, c, h);
          return w !== undefined && w.opens <= result && result <= w.closes;
        });
        expect(inside, `${local(new Date(result), c.timeZone)} for ${JSON.stringify(c)}`).toBe(true);
      }),
    );
  });

  it('workingMinutesBetween(start, addWorkingMinutes(start, m)) is m', () => {
    fc.assert(
      fc.property(starts, minutes, calendars, holidayChecks, (start, m, c, h) => {
        expect(workingMinutesBetween(start, addWorkingMinutes(start, m, c, h), c, h)).toBe(m);
      }),
    );
  });

  it('a 24/7 calendar in any zone is plain addition', () => {
    fc.assert(
      fc.property(starts, minutes, fc.constantFrom(...ZONES), (start, m, timeZone) => {
        const always = { ...ALWAYS_OPEN, timeZone };
        expect(addWorkingMinutes(start, m, always, NO_HOLIDAYS).getTime()).toBe(start.getTime() + m * 60_000);
        expect(
          workingMinutesBetween(start, new Date(start.getTime() + m * 60_000), always, NO_HOLIDAYS),
        ).toBe(m);
      }),
    );
  });
});

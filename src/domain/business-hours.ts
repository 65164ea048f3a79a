import { DateTime, IANAZone } from 'luxon';

/**
 * When a supplier works: its time zone (IANA), its working days (ISO weekdays 1 = Monday … 7 = Sunday), and opening
 * and closing times ('HH:MM', local). `closes` may be '24:00' (the end of the day); a shift past midnight is not
 * supported. On a daylight-saving day the hours stay at the local wall-clock times, so that day has an hour more or
 * less of work; an opening or closing time the clocks skip moves forward by the gap (luxon's rule), and one they
 * repeat is taken at its later occurrence (luxon's rule as well).
 */
export interface WorkingCalendar {
  timeZone: string;
  days: readonly number[];
  opens: string;
  closes: string;
}

/** Whether a local date ('YYYY-MM-DD' in the calendar's zone) is a public holiday where the supplier works. */
export type HolidayCheck = (localDate: string) => boolean;

/** Every minute is a working minute: adding to it is plain addition. */
export const ALWAYS_OPEN: WorkingCalendar = Object.freeze({
  timeZone: 'UTC',
  days: Object.freeze([1, 2, 3, 4, 5, 6, 7]),
  opens: '00:00',
  closes: '24:00',
});

/** No day is a holiday. */
export const NO_HOLIDAYS: HolidayCheck = () => false;

export type CalendarProblem = { field: 'timeZone' | 'days' | 'opens' | 'closes'; message: string };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
// Days in a row without a working minute before giving up: a calendar whose every working day is a holiday would
// otherwise be searched forever.
const MAX_IDLE_DAYS = 3 * 366;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * A calendar's problems for validation: unknown time zone, days outside 1–7 or none, a malformed 'HH:MM', closing not
 * after opening. Empty when the calendar is fine.
 *
 * @example
 * calendarProblems({ timeZone: 'Europe/Berlin', days: [1, 2, 3, 4, 5], opens: '09:00', closes: '17:00' }); // []
 * calendarProblems({ timeZone: 'Mars/Olympus', days: [0], opens: '9:00', closes: '17:00' });
 * // [{ field: 'timeZone', … }, { field: 'days', … }, { field: 'opens', … }]
 */
export function calendarProblems(calendar: WorkingCalendar): CalendarProblem[] {
  const problems: CalendarProblem[] = [];
  if (!knownZone(calendar.timeZone))
    problems.push({ field: 'timeZone', message: `unknown IANA time zone: ${String(calendar.timeZone)}` });
  if (!Array.isArray(calendar.days) || calendar.days.length === 0)
    problems.push({ field: 'days', message: 'at least one working day is needed (ISO weekdays 1–7)' });
  else {
    const bad = calendar.days.filter((d) => !Number.isInteger(d) || d < 1 || d > 7);
    if (bad.length)
      problems.push({
        field: 'days',
        message: `working days are ISO weekdays 1 (Monday) to 7 (Sunday), got ${bad.join(', ')}`,
      });
  }
  const opens = minuteOfDay(calendar.opens, false);
  const closes = minuteOfDay(calendar.closes, true);
  if (opens === undefined)
    problems.push({
      field: 'opens',
      message: `opening time must be HH:MM (00:00–23:59), got ${calendar.opens}`,
    });
  if (closes === undefined)
    problems.push({
      field: 'closes',
      message: `closing time must be HH:MM (00:01–24:00), got ${calendar.closes}`,
    });
  if (opens !== undefined && closes !== undefined && closes <= opens)
    problems.push({
      field: 'closes',
      message: `closing time ${calendar.closes} must be after opening time ${calendar.opens} (no overnight shifts)`,
    });
  return problems;
}

/**
 * The moment `minutes` working minutes after `start`. A start in a closed period counts from the next opening; a
 * deadline that uses up a day's last minute is that day's closing time, not the next opening. `minutes = 0` gives
 * the start itself when it is within working hours (closing time included), else the next opening.
 *
 * @example
 * const berlin = { timeZone: 'Europe/Berlin', days: [1, 2, 3, 4, 5], opens: '09:00', closes: '17:00' };
 * addWorkingMinutes(new Date('2026-03-13T15:00:00Z'), 120, berlin, NO_HOLIDAYS);
 * // Friday 16:00 in Berlin + 2 h → Monday 2026-03-16 10:00 Berlin (09:00Z)
 */
export function addWorkingMinutes(
  start: Date,
  minutes: number,
  calendar: WorkingCalendar,
  isHoliday: HolidayCheck,
): Date {
  if (!Number.isFinite(minutes) || minutes < 0)
    throw new RangeError(`working minutes must be a finite number ≥ 0, got ${minutes}`);
  const from = instant(start, 'start');
  let remaining = Math.round(minutes * MINUTE_MS);
  const days = dayWindows(from, hours(calendar), isHoliday);
  let idle = 0;
  for (;;) {
    const day = days.next().value;
    if (!day.window || day.window.closes < from) {
      // A run of days with no working time: holidays all the way (the calendar itself has a working day).
      if (++idle > MAX_IDLE_DAYS)
        throw new Error(
          `no working time within ${MAX_IDLE_DAYS} days after ${day.date}: every working day is a holiday`,
        );
      continue;
    }
    idle = 0;
    // Closing time itself counts as inside the day: a deadline that ends a day lands there, and adding 0 to it
    // stays there (so adding a then b is adding a + b).
    const begin = Math.max(from, day.window.opens);
    const available = day.window.closes - begin;
    if (remaining <= available) return new Date(begin + remaining);
    remaining -= available;
  }
}

/**
 * Working minutes between two moments: 0 when `to` ≤ `from`; fractional when the moments are not on whole minutes.
 * The inverse of {@link addWorkingMinutes}: `workingMinutesBetween(s, addWorkingMinutes(s, m, c, h), c, h) === m`.
 *
 * @example
 * const chicago = { timeZone: 'America/Chicago', days: [1, 2, 3, 4, 5], opens: '08:00', closes: '17:00' };
 * workingMinutesBetween(new Date('2026-03-13T21:00:00Z'), new Date('2026-03-16T14:00:00Z'), chicago, NO_HOLIDAYS);
 * // Friday 16:00 → Monday 09:00 in Chicago: 120
 */
export function workingMinutesBetween(
  from: Date,
  to: Date,
  calendar: WorkingCalendar,
  isHoliday: HolidayCheck,
): number {
  const h = hours(calendar);
  const a = instant(from, 'from');
  const b = instant(to, 'to');
  if (b <= a) return 0;
  const last = localDate(b, h.zone);
  let ms = 0;
  for (const day of dayWindows(a, h, isHoliday)) {
    if (day.date > last) break;
    if (day.window) ms += Math.max(0, Math.min(b, day.window.closes) - Math.max(a, day.window.opens));
  }
  return ms / MINUTE_MS;
}

type Day = {
  /** The local date, 'YYYY-MM-DD'. */
  date: string;
  /** The day's opening hours as epoch milliseconds, or none (not a working day, a holiday, or hours DST skips). */
  window?: { opens: number; closes: number };
};

type Hours = { zone: string; days: ReadonlySet<number>; opens: number; closes: number };

function hours(calendar: WorkingCalendar): Hours {
  const problems = calendarProblems(calendar);
  if (problems.length)
    throw new RangeError(`invalid working calendar: ${problems.map((p) => p.message).join('; ')}`);
  return {
    zone: calendar.timeZone,
    days: new Set(calendar.days),
    opens: minuteOfDay(calendar.opens, false)!,
    closes: minuteOfDay(calendar.closes, true)!,
  };
}

function localDate(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISODate()!;
}

/** The local days from the one holding `from` onward, endlessly, with their opening hours. */
function* dayWindows(from: number, h: Hours, isHoliday: HolidayCheck): Generator<Day, never> {
  // Walk calendar dates as UTC midnights: plain date arithmetic with no zone in the way; luxon places each day's
  // hours in the zone. No earlier day can hold `from`: its hours end at the latest at this day's midnight.
  let date = Date.parse(localDate(from, h.zone));
  for (;;) {
    const iso = new Date(date).toISOString().slice(0, 10);
    const weekday = new Date(date).getUTCDay() || 7;
    let open: Day['window'];
    if (h.days.has(weekday) && !isHoliday(iso)) {
      // '24:00' is the next day's midnight, built the same way as that day's own start would be, so a 24/7
      // calendar's days meet without a gap or an overlap.
      const o = wallClock(date, h.opens, h.zone);
      const c = h.closes === 1440 ? wallClock(date + DAY_MS, 0, h.zone) : wallClock(date, h.closes, h.zone);
      if (c > o) open = { opens: o, closes: c };
    }
    yield { date: iso, window: open };
    date += DAY_MS;
  }
}

/** The instant of a local wall-clock time on a date (given as its UTC midnight) in a zone. */
function wallClock(utcMidnight: number, minuteOfDay: number, zone: string): number {
  const d = new Date(utcMidnight);
  return DateTime.fromObject(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: Math.floor(minuteOfDay / 60),
      minute: minuteOfDay % 60,
    },
    { zone },
  ).toMillis();
}

/** 'HH:MM' as minutes since midnight; '24:00' only where allowed (closing). */
function minuteOfDay(hhmm: unknown, allowEndOfDay: boolean): number | undefined {
  if (typeof hhmm !== 'string') return undefined;
  if (hhmm === '24:00') return allowEndOfDay ? 1440 : undefined;
  const m = TIME.exec(hhmm);
  if (!m) return undefined;
  const minute = Number(m[1]) * 60 + Number(m[2]);
  return allowEndOfDay && minute === 0 ? undefined : minute;
}

// Asking Intl whether a zone exists costs a quarter of a millisecond; the answer for a name never changes.
const zoneKnown = new Map<string, boolean>();
function knownZone(zone: unknown): boolean {
  if (typeof zone !== 'string') return false;
  let known = zoneKnown.get(zone);
  if (known === undefined) {
    known = IANAZone.isValidZone(zone);
    if (zoneKnown.size < 1_000) zoneKnown.set(zone, known);
  }
  return known;
}

function instant(d: Date, name: string): number {
  const ms = d instanceof Date ? d.getTime() : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${name} must be a valid Date`);
  return ms;
}

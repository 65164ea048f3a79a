import {
  addWorkingMinutes,
  NO_HOLIDAYS,
  type HolidayCheck,
  type WorkingCalendar,
} from '../domain/business-hours.ts';
import { publicHolidays } from '../infra/holidays.ts';

/** A node's working hours as the setup document states them and the suppliers table keeps them (JSON). */
export interface StoredWorkingHours extends WorkingCalendar {
  holidays?: { country: string; region?: string | undefined } | undefined;
}

export type { SupplierSla } from '../store/partners.repo.ts';

const calendars = new Map<string, { calendar: WorkingCalendar; isHoliday: HolidayCheck }>();

/**
 * When an SLA of `minutes` that starts at `start` runs out: counted in the node's working hours (its time zone,
 * days and hours, less its country's public holidays) when it has them, else in plain minutes.
 *
 * @example
 * slaDeadline(new Date('2026-11-25T21:00:00Z'), 240, '{"timeZone":"America/Chicago","days":[1,2,3,4,5],"opens":"09:00","closes":"17:00","holidays":{"country":"US"}}')
 * // Wednesday 15:00 in Chicago + 4 working hours, Thanksgiving skipped → Friday 2026-11-27 11:00 Chicago
 */
export function slaDeadline(start: Date, minutes: number, workingHours: string | null): Date {
  // Every minute counts: plain addition (the same as ALWAYS_OPEN, without walking days on the hot path).
  if (!workingHours) return new Date(start.getTime() + minutes * 60_000);
  const { calendar, isHoliday } = calendarOf(workingHours);
  return addWorkingMinutes(start, minutes, calendar, isHoliday);
}

function calendarOf(json: string): { calendar: WorkingCalendar; isHoliday: HolidayCheck } {
  const known = calendars.get(json);
  if (known) return known;
  const stored = JSON.parse(json) as StoredWorkingHours;
  const parsed = {
    calendar: { timeZone: stored.timeZone, days: stored.days, opens: stored.opens, closes: stored.closes },
    isHoliday: stored.holidays
      ? publicHolidays(stored.holidays.country, stored.holidays.region)
      : NO_HOLIDAYS,
  };
  // A few calendars per retailer: kept for the life of the process.
  if (calendars.size < 1_000) calendars.set(json, parsed);
  return parsed;
}

import { describe, expect, it } from 'vitest';
import { trackingNumberProblem } from './tracking-number.ts';

describe('tracking numbers by carrier', () => {
  it("takes a number with its carrier's check digit right, by the carrier's name, code or service", () => {
    expect(trackingNumberProblem('UPS', '1Z999AA10123456784')).toBeNull();
    expect(trackingNumberProblem('ups ground', '1Z999AA10123456784')).toBeNull();
    expect(trackingNumberProblem('FedEx', '986578788855')).toBeNull();
    expect(trackingNumberProblem('DHL Express', '3318810025')).toBeNull();
    expect(trackingNumberProblem('USPS', '0307 1790 0005 2348 3741')).toBeNull();
  });

  it('refuses a wrong check digit, naming the carrier', () => {
    expect(trackingNumberProblem('UPS', '1Z999AA10123456785')).toMatch(
      /^not a valid UPS tracking number: its format or check digit is wrong/,
    );
  });

  it("says when the number is another carrier's", () => {
    expect(trackingNumberProblem('FedEx', '1Z999AA10123456784')).toMatch(/reads as UPS's/);
  });

  it('lets through a carrier whose numbers it cannot check', () => {
    expect(trackingNumberProblem('Royal Mail Tracked 48', 'ZZ123456789GB')).toBeNull();
  });
});

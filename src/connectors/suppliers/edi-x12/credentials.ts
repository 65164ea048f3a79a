import { z } from 'zod';
import type { SetupProblem } from '../../shared/setup-fields.ts';
import { checkSftpLogin, sftpExchangeConfig, sftpExchangeSecrets } from '../shared/sftp-exchange.ts';

const qualifier = z
  .string()
  .regex(/^[A-Z0-9]{2}$/, 'must be a two-character ISA id qualifier (ZZ, 01, 08, 12…)');
// Printable, no space at either end (the ISA pads ids with spaces).
const printable = /^[!-~]([ -~]*[!-~])?$/;
const isaId = z.string().min(1).max(15).regex(printable, 'must be printable ASCII, no spaces at either end');
const gsCode = z.string().min(2).max(15).regex(printable, 'must be printable ASCII, no spaces at either end');
const delimiter = z
  .string()
  .length(1)
  .refine((c) => !/[A-Za-z0-9 ]/.test(c), 'must be one character that is not a letter, a digit or a space');

/**
 * Settings of an X12 trading partner over SFTP: the SFTP exchange's (host, folders…) and the interchange's (who is
 * who, delimiters, the 997 window). Not secret: stored and shown as they are.
 */
export const ediX12Config = z.object({
  ...sftpExchangeConfig,
  /** ISA05/ISA06: Waybill's id as the partner knows it. */
  interchangeIdQualifier: qualifier.default('ZZ'),
  interchangeId: isaId,
  /** ISA07/ISA08: the partner's. */
  partnerIdQualifier: qualifier.default('ZZ'),
  partnerId: isaId,
  /** GS02 and GS03; the ISA ids when not given. */
  applicationCode: gsCode.optional(),
  partnerApplicationCode: gsCode.optional(),
  /** ISA15: P production, T test. A file of the other kind is refused. */
  usageIndicator: z.enum(['P', 'T']).default('P'),
  /** ISA14: ask the partner for a TA1. */
  interchangeAckRequested: z.boolean().default(false),
  elementSeparator: delimiter.default('*'),
  segmentTerminator: delimiter.default('~'),
  /** ISA16. */
  componentSeparator: delimiter.default('>'),
  /** A line break after each segment terminator. */
  newlineAfterSegment: z.boolean().default(false),
  /** How long an 850 or 860 may wait for the partner's 997 before a person is told. */
  functionalAckWindowMinutes: z.number().int().min(1).max(10_080).default(60),
});
export type EdiX12Config = z.infer<typeof ediX12Config>;

/** The SFTP login. Sealed at rest, never shown. */
export const ediX12Secrets = z.object({ ...sftpExchangeSecrets });
export type EdiX12Secrets = z.infer<typeof ediX12Secrets>;

/** Rules across fields: one SFTP login; three distinct delimiters that no id contains. */
export function checkEdiX12(entry: EdiX12Config & EdiX12Secrets): SetupProblem | null {
  const login = checkSftpLogin(entry);
  if (login) return login;
  const delimiters = [entry.elementSeparator, entry.segmentTerminator, entry.componentSeparator];
  if (new Set(delimiters).size !== 3)
    return {
      field: 'componentSeparator',
      message: 'the element separator, segment terminator and component separator must differ',
    };
  for (const field of ['interchangeId', 'partnerId', 'applicationCode', 'partnerApplicationCode'] as const) {
    const value = entry[field];
    if (value && delimiters.some((d) => value.includes(d)))
      return { field, message: `must not hold a delimiter (${delimiters.join(' ')})` };
  }
  return null;
}

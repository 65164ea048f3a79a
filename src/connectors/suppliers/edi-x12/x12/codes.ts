/**
 * The 997's error codes (004010) in words, to tell an operator what a partner's 997 said of Waybill's documents.
 * Sources: the X12 code lists of elements 720 (AK304), 723 (AK403), 718 (AK502–AK506) and 716 (AK905–AK909), as
 * published by EDI vendors (docs/edi-x12.md).
 */
export const SEGMENT_ERRORS: Readonly<Record<string, string>> = {
  '1': 'unrecognized segment ID',
  '2': 'unexpected segment',
  '3': 'mandatory segment missing',
  '4': 'loop occurs over maximum times',
  '5': 'segment exceeds maximum use',
  '6': 'segment not in defined transaction set',
  '7': 'segment not in proper sequence',
  '8': 'segment has data element errors',
};

export const ELEMENT_ERRORS: Readonly<Record<string, string>> = {
  '1': 'mandatory data element missing',
  '2': 'conditional required data element missing',
  '3': 'too many data elements',
  '4': 'data element too short',
  '5': 'data element too long',
  '6': 'invalid character in data element',
  '7': 'invalid code value',
  '8': 'invalid date',
  '9': 'invalid time',
  '10': 'exclusion condition violated',
};

export const SET_ERRORS: Readonly<Record<string, string>> = {
  '1': 'transaction set not supported',
  '2': 'transaction set trailer missing',
  '3': 'transaction set control number in header and trailer do not match',
  '4': 'number of included segments does not match actual count',
  '5': 'one or more segments in error',
  '6': 'missing or invalid transaction set identifier',
  '7': 'missing or invalid transaction set control number',
  '23': 'transaction set control number not unique within the functional group',
};

export const GROUP_ERRORS: Readonly<Record<string, string>> = {
  '1': 'functional group not supported',
  '2': 'functional group version not supported',
  '3': 'functional group trailer missing',
  '4': 'group control number in the functional group header and trailer do not agree',
  '5': 'number of included transaction sets does not match actual count',
  '6': 'group control number violates syntax',
};

/** `code (words)`, or the bare code when the list does not know it. */
export function described(table: Readonly<Record<string, string>>, code: string): string {
  const words = table[code];
  return words ? `${code} (${words})` : code;
}

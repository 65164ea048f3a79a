import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { textDecoder } from './csv.ts';
import { CsvTokenizer, UnclosedQuote, type CsvSyntax } from './csv-tokenizer.ts';

/** The records csv-parse reads from the whole file, with the options the feed reader used it with before. */
function oracle(bytes: Buffer, syntax: CsvSyntax): string[][] | 'unclosed quote' {
  const quote = syntax.quote === '' ? false : syntax.quote;
  try {
    return parse(bytes, {
      delimiter: syntax.delimiter,
      quote,
      escape: quote,
      bom: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      skip_empty_lines: false,
      relax_column_count: true,
      relax_quotes: true,
    }) as string[][];
  } catch (error) {
    if ((error as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED') return 'unclosed quote';
    throw error;
  }
}

/** The records the tokenizer reads from the file cut at `cuts` (byte offsets), decoded as it streams. */
function tokenized(bytes: Buffer, syntax: CsvSyntax, cuts: number[]): string[][] | 'unclosed quote' {
  const records: string[][] = [];
  const keep = (values: string[]) => records.push([...values]);
  const tokenizer = new CsvTokenizer(syntax);
  const decoder = textDecoder('utf-8');
  let from = 0;
  try {
    for (const cut of [...cuts.filter((c) => c < bytes.length).sort((a, b) => a - b), bytes.length]) {
      tokenizer.write(decoder.write(bytes.subarray(from, cut)), keep);
      from = cut;
    }
    tokenizer.write(decoder.end() ?? '', keep);
    tokenizer.end(keep);
  } catch (error) {
    if (error instanceof UnclosedQuote) return 'unclosed quote';
    throw error;
  }
  return records;
}

function records(text: string, syntax: CsvSyntax = { delimiter: ',', quote: '"' }, size = 1) {
  const bytes = Buffer.from(text);
  const cuts = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => i * size);
  return tokenized(bytes, syntax, cuts);
}

describe('the CSV tokenizer', () => {
  it.each([
    [
      'a,b\nc,d\n',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    ['a\n\n', [['a'], ['']]], // an empty line is a record of one empty value; the last line break ends no record
    [
      'a,\r\n,',
      [
        ['a', ''],
        ['', ''],
      ],
    ],
    ['"a,b","say ""hi""",c\n', [['a,b', 'say "hi"', 'c']]],
    ['"two\r\nlines"\r\n', [['two\r\nlines']]],
    ['B 12" x,"a"b,"c" \n', [['B 12" x', '"a"b', '"c" ']]], // quotes that do not open or close are characters
    ['"a""b"x,y', [['"a"b"x', 'y']]], // as csv-parse keeps them
    ['a\r\r\nb\rc', [['a'], [''], ['b'], ['c']]],
    ['\ufeff"x"\n', [['x']]],
    ['', []],
  ])('reads %j', (text, expected) => {
    expect(records(text)).toEqual(expected);
    expect(records(text, undefined, 1000)).toEqual(expected);
    expect(oracle(Buffer.from(text), { delimiter: ',', quote: '"' })).toEqual(expected);
  });

  it('reads multi-character delimiters cut anywhere, and no quoting', () => {
    expect(records('a||b|||c\n', { delimiter: '||', quote: '"' })).toEqual([['a', 'b', '|c']]);
    expect(records('"a"\t"b\n', { delimiter: '\t', quote: '' })).toEqual([['"a"', '"b']]);
  });

  it('refuses a quote that never closes, only at the end', () => {
    expect(records('a\n"b\nc\n')).toBe('unclosed quote');
    expect(records('"a""')).toBe('unclosed quote');
  });

  it('reads a long quoted value in linear time', () => {
    const value = 'x'.repeat(4_000_000);
    const started = performance.now();
    expect(records(`"${value}"\n`, undefined, 1024)).toEqual([[value]]);
    expect(performance.now() - started).toBeLessThan(5000); // read again at every stretch, it takes half a minute
  });
});

// --- csv-parse as the oracle ---------------------------------------------------------------------------------

const syntaxArbitrary = fc.record({
  delimiter: fc.constantFrom(',', ';', '\t', '|', '||', '::', ';;;;', 'ab'),
  quote: fc.constantFrom('"', "'", ''),
});

/** Characters that matter to CSV, and some that are more than one byte of UTF-8 (a cut may fall inside them). */
function pieces(s: CsvSyntax) {
  return [
    s.delimiter,
    s.delimiter.slice(0, 1),
    s.quote,
    s.quote + s.quote,
    '\r',
    '\n',
    '\r\n',
    'a',
    'b',
    ' ',
    'é',
    '日',
    '😀',
  ];
}

/** Text as a supplier's program writes it: values quoted when they must be (or at random), any line ends. */
function writtenText(s: CsvSyntax) {
  const value = fc.string({ unit: fc.constantFrom(...pieces(s)), maxLength: 8 });
  const lineEnd = fc.constantFrom('\n', '\r\n', '\r');
  const record = fc.array(fc.tuple(value, fc.boolean()), { minLength: 1, maxLength: 6 });
  return fc
    .tuple(fc.array(fc.tuple(record, lineEnd), { maxLength: 8 }), fc.boolean(), fc.boolean())
    .map(([lines, endsWithLineEnd, bom]) => {
      const cell = ([v, quoteAnyway]: [string, boolean]) => {
        const must =
          [s.delimiter, '\r', '\n'].some((c) => v.includes(c)) || (s.quote !== '' && v.startsWith(s.quote));
        if (s.quote === '' || !(must || quoteAnyway)) return v;
        return s.quote + v.replaceAll(s.quote, s.quote + s.quote) + s.quote;
      };
      const text = lines.map(([values, end]) => values.map(cell).join(s.delimiter) + end).join('');
      return (bom ? '\ufeff' : '') + (endsWithLineEnd ? text : text.replace(/(\r\n|\r|\n)$/, ''));
    });
}

/** Any text of those characters: stray quotes, quotes that never close, values after a closing quote. */
function anyText(s: CsvSyntax) {
  return fc
    .tuple(fc.boolean(), fc.array(fc.constantFrom(...pieces(s)), { maxLength: 60 }))
    .map(([bom, parts]) => (bom ? '\ufeff' : '') + parts.join(''));
}

describe('the CSV tokenizer against csv-parse', () => {
  it('yields exactly the records csv-parse yields, however the bytes are cut', () => {
    fc.assert(
      fc.property(
        syntaxArbitrary.chain((s) =>
          fc.tuple(
            fc.constant(s),
            fc.oneof(writtenText(s), anyText(s)),
            fc.array(fc.nat({ max: 400 }), { maxLength: 12 }),
          ),
        ),
        ([syntax, text, cuts]) => {
          const bytes = Buffer.from(text);
          expect(tokenized(bytes, syntax, cuts)).toEqual(oracle(bytes, syntax));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

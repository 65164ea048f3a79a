/** How one supplier writes CSV: the text between values (1-4 characters) and the quote character ('' for none). */
export interface CsvSyntax {
  readonly delimiter: string;
  readonly quote: string;
}

/** The input ended inside a quoted value: the quote that opened it is never closed. */
export class UnclosedQuote extends Error {
  constructor() {
    super('Quote Not Closed');
    this.name = 'UnclosedQuote';
  }
}

const LF = 10;
const CR = 13;
const BOM = '\ufeff';

/**
 * Splits CSV text into records, as it streams: text may be cut anywhere (inside a value, a doubled quote, a
 * delimiter or a CRLF). Reads as csv-parse does with `relax_quotes`, `relax_column_count` and record delimiters
 * CRLF, LF and CR (csv-parse is the oracle its tests compare it with):
 * - a value that starts with the quote runs to the next quote not doubled; a doubled quote inside is one quote;
 *   the value may span lines;
 * - a quote anywhere else is a character (`12" monitor`), and so is a closing quote followed by anything but a
 *   delimiter or a line end (the value is then kept as written, quotes and all, and goes on unquoted);
 * - an empty line is a record of one empty value; a byte order mark at the start is dropped.
 *
 * Records are handed out as one reused array of values: copy it to keep it.
 *
 * @example const tokenizer = new CsvTokenizer({ delimiter: ';', quote: '"' });
 *   tokenizer.write('sku;name\nA1;"Kabel ""3m""', (values) => …); // the header; the second record waits
 *   tokenizer.end((values) => …); // ['A1', 'Kabel "3m"']
 */
export class CsvTokenizer {
  readonly #delimiter: string;
  readonly #delimiterHead: number;
  readonly #quote: string;
  /** NaN when quoting is off: no character code equals it. */
  readonly #quoteCode: number;
  readonly #values: string[] = [];

  /** The text of a record not complete yet, and the length it must reach before it is read again. */
  #pending = '';
  #retryAt = 0;
  /** Until the first text: a byte order mark is dropped only there. */
  #atStart = true;
  /** The value of the quoted field just read (a field returns a position; its value comes here, not in an object). */
  #quoted = '';

  constructor(syntax: CsvSyntax) {
    const { delimiter, quote } = syntax;
    if (
      delimiter === '' ||
      /[\r\n]/.test(delimiter) ||
      quote.length > 1 ||
      (quote !== '' && delimiter.includes(quote))
    )
      throw new RangeError(
        'a delimiter is text without line breaks or the quote; a quote is one character or none',
      );
    this.#delimiter = delimiter;
    this.#delimiterHead = delimiter.charCodeAt(0);
    this.#quote = quote;
    this.#quoteCode = quote === '' ? NaN : quote.charCodeAt(0);
  }

  /** Hands every record the text completes to `onRecord`; a record the text leaves incomplete waits for more. */
  write(text: string, onRecord: (values: string[]) => void): void {
    this.#pending += text;
    if (this.#atStart && this.#pending !== '') {
      this.#atStart = false;
      if (this.#pending.startsWith(BOM)) this.#pending = this.#pending.slice(1);
    }
    // A record longer than what came since it was last tried (a quoted value over many stretches) is tried again
    // only once the text has doubled: reading it is then linear in its length, not quadratic.
    if (this.#pending.length < this.#retryAt) return;
    const done = this.#records(this.#pending, false, onRecord);
    this.#pending = this.#pending.slice(done);
    this.#retryAt = 2 * this.#pending.length;
  }

  /** Hands out the last record (one without a line break after it). Throws UnclosedQuote when a quote never closes. */
  end(onRecord: (values: string[]) => void): void {
    this.#records(this.#pending, true, onRecord);
    this.#pending = '';
  }

  /**
   * Reads every complete record of the text; returns where the first incomplete one starts. A line without a quote
   * (nearly every line) is split by searching for the delimiter; any other record is read a character at a time.
   */
  #records(text: string, last: boolean, onRecord: (values: string[]) => void): number {
    const length = text.length;
    // The next LF, CR and quote at or after `start` (the text's length when there is none), looked up when passed.
    let lf = -1;
    let cr = -1;
    let quote = this.#quote === '' ? length : -1;
    let start = 0;
    while (start < length) {
      if (lf < start) lf = indexOr(text, '\n', start, length);
      if (cr < start) cr = indexOr(text, '\r', start, length);
      if (quote < start) quote = indexOr(text, this.#quote, start, length);
      const end = lf < cr ? lf : cr;
      // After a line end there must be a character: whether a CR is a CRLF is known only then.
      const next =
        end < quote && end + 1 < length ? this.#line(text, start, end) : this.#record(text, start, last);
      if (next < 0) break;
      onRecord(this.#values);
      start = next;
    }
    return start;
  }

  /** Splits the line from `start` to the line end at `end` into #values; returns where the next record starts. */
  #line(text: string, start: number, end: number): number {
    const values = this.#values;
    const delimiter = this.#delimiter;
    let count = 0;
    for (let from = start; ;) {
      const at = text.indexOf(delimiter, from);
      if (at < 0 || at > end) {
        values[count++] = text.slice(from, end);
        break;
      }
      values[count++] = text.slice(from, at);
      from = at + delimiter.length;
    }
    if (values.length !== count) values.length = count;
    return text.charCodeAt(end) === CR && text.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
  }

  /**
   * Reads the record at `start` into #values; returns the position after its line break, or -1 when the text ends
   * before the record is known to (unless `last`: then the text's end ends it).
   */
  #record(text: string, start: number, last: boolean): number {
    const values = this.#values;
    values.length = 0;
    const length = text.length;
    const delimiter = this.#delimiter;
    const head = this.#delimiterHead;
    const wide = delimiter.length > 1;
    let at = start;
    for (;;) {
      let from = at;
      let kept = ''; // a quoted part read as plain text: its closing quote was not followed by a separator
      let end = -1; // where the value's delimiter or line break is (the text's length at its end)
      if (text.charCodeAt(at) === this.#quoteCode) {
        const closed = this.#quotedValue(text, at, last);
        if (closed < 0) return -1;
        if (closed === length || this.#separatorAt(text, closed)) end = closed;
        else {
          kept = this.#quote + this.#quoted + this.#quote;
          from = closed;
        }
      }
      if (end < 0) {
        for (end = from; end < length; end++) {
          const code = text.charCodeAt(end);
          if (code === LF || code === CR) break;
          // A delimiter cut by the end of the text is no match here: the value runs to the end, and waits.
          if (code === head && (!wide || text.startsWith(delimiter, end))) break;
        }
        if (end === length && !last) return -1;
        values.push(kept + text.slice(from, end));
      } else values.push(this.#quoted);
      if (end === length) return length;
      const code = text.charCodeAt(end);
      if (code === LF) return end + 1;
      if (code === CR) {
        if (end + 1 === length && !last) return -1; // a CR whose LF may come with the next text
        return text.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
      }
      at = end + delimiter.length;
    }
  }

  /**
   * Reads the quoted value opening at `open` into #quoted; returns the position after its closing quote, or -1 when
   * the text ends before that is known. Throws UnclosedQuote when `last` and the quote never closes.
   */
  #quotedValue(text: string, open: number, last: boolean): number {
    const quote = this.#quote;
    let value = '';
    let from = open + 1;
    for (;;) {
      const at = text.indexOf(quote, from);
      if (at < 0) {
        if (last) throw new UnclosedQuote();
        return -1;
      }
      if (at + 1 === text.length && !last) return -1; // a doubled quote or the closing one: the next text says
      if (text.charCodeAt(at + 1) !== this.#quoteCode) {
        this.#quoted = value + text.slice(from, at);
        return at + 1;
      }
      value += text.slice(from, at + 1);
      from = at + 2;
    }
  }

  /** Whether a delimiter or line break is at `at`. */
  #separatorAt(text: string, at: number): boolean {
    const code = text.charCodeAt(at);
    return code === LF || code === CR || text.startsWith(this.#delimiter, at);
  }
}

/** Where `search` next is in the text from `from`; `none` when it is not. */
function indexOr(text: string, search: string, from: number, none: number): number {
  const at = text.indexOf(search, from);
  return at < 0 ? none : at;
}

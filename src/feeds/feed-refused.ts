/**
 * The file is not a feed in the mapping's format (a PDF, a spreadsheet, a web server's error page, unreadable CSV
 * or JSON, a header without a mapped column): nothing of it applies. `reason` says what it is instead.
 */
export class FeedRefused extends Error {
  readonly code = 'feed_refused';
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'FeedRefused';
  }
}

/**
 * The outside system (or the payload) said no in a way that will not change: the work stops at once instead of
 * being retried. Thrown by adapters and use cases; the job worker dead-letters the job.
 */
export class PermanentError extends Error {
  readonly code = 'permanent_failure';
}

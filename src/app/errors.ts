/**
 * The exceptional outcomes of a use case, each with a stable `code`. http/problem.ts maps them to RFC 9457
 * problem+json in one place; expected business outcomes (duplicate, conflict on a repeat) are returned as values.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Bad input: names the offending field (`lines[2].sku`). */
export class InputError extends AppError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('invalid_input', `${field}: ${message}`, 422);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('not_found', `${what} not found`, 404);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('conflict', message, 409);
  }
}

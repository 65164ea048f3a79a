/** 1 MiB: larger bodies are refused with 413 before they are read into memory. */
export const BODY_LIMIT = 1024 * 1024;

/**
 * 16 MiB for a channel's signed order webhooks: an order exists at the channel whatever its size, and a Shopify
 * order of thousands of line items (each a kilobyte or more of JSON) is a real one, not an attack.
 */
export const CHANNEL_ORDER_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * How long the HTTP server waits for a client, and how many it holds at once. Without these a client that connects
 * and sends nothing, trickles its headers, or never finishes its body holds a socket for good.
 *
 * @example
 * buildServer(ctx, { jobs, metrics, limits: { ...DEFAULT_HTTP_LIMITS, keepAliveTimeoutMs: 75_000 } });
 */
export interface HttpLimits {
  /** From the connection (or the start of a request) until its headers are in; 408 after it. */
  headersTimeoutMs: number;
  /** From the start of a request until its whole body is in; 408 after it. */
  requestTimeoutMs: number;
  /** An idle connection between two requests is closed after this. Behind a load balancer, set it above the balancer's idle timeout. */
  keepAliveTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed (a client that stops reading the answer). */
  idleTimeoutMs: number;
  /** How often the server looks for connections over the headers and request timeouts. */
  checkIntervalMs: number;
  /** Connections beyond this are closed at once: file descriptors stay free for the database and the worker. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  checkIntervalMs: 1_000,
  maxConnections: 10_000,
};

/** The longest path parameter (Fastify's `maxParamLength`, its default): ids and PO numbers are far shorter. */
export const MAX_PARAM_LENGTH = 100;

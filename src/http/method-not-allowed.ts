/**
 * The methods each route path answers, so that a known path asked with another method answers 405 with `Allow`
 * rather than 404 (Fastify answers 404 for both). Fed by the `onRoute` hook.
 *
 * @example
 * const paths = new RoutePaths(); paths.add('/api/v1/orders/:orderId', 'GET');
 * paths.allowed('/api/v1/orders/ord_1'); // ['GET']
 */
export class RoutePaths {
  readonly #routes: { pattern: RegExp; methods: Set<string> }[] = [];

  add(url: string, method: string | readonly string[]): void {
    const source = `^${url
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/:[^/]+/g, '[^/]+')
      .replace(/\*/g, '.*')}$`;
    let route = this.#routes.find((r) => r.pattern.source === source);
    if (!route) this.#routes.push((route = { pattern: new RegExp(source), methods: new Set() }));
    for (const m of [method].flat()) route.methods.add(m);
  }

  /** The methods some route takes on this path (without its query), sorted; empty when no route has the path. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.#routes)
      if (route.pattern.test(path)) route.methods.forEach((m) => methods.add(m));
    return [...methods].sort();
  }
}

/**
 * `cloudflare:workers` for tests that load the API's module graph in Node to inspect it (the route
 * table, the OpenAPI document); nothing here runs a Durable Object.
 */
export class DurableObject<Env = unknown> {
  constructor(
    readonly ctx: unknown,
    readonly env: Env,
  ) {}
}

import { type ApiConfig, ApiConfigSchema, parseConfig } from '@sokoul/contracts';
import { type Env, textBindings } from '@sokoul/durable-objects';

let memo: { env: Env; config: ApiConfig } | undefined;

/** Parsed once per isolate: workerd hands every request the same env object. */
export function getConfig(env: Env): ApiConfig {
  if (memo?.env !== env) memo = { env, config: parseConfig(ApiConfigSchema, textBindings(env)) };
  return memo.config;
}

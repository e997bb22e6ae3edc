import { type ApiConfig, ApiConfigSchema, parseConfig } from '@sokoul/contracts';
import { type Env, textBindings } from '@sokoul/durable-objects';

let memo: ApiConfig | undefined;

/** Parsed once per isolate: bindings cannot change while an isolate lives. */
export function getConfig(env: Env): ApiConfig {
  memo ??= parseConfig(ApiConfigSchema, textBindings(env));
  return memo;
}

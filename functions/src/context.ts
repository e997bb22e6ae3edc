import type { ApiConfig, Role } from '@sokoul/contracts';
import type { Env, Logger } from '@sokoul/durable-objects';
import type { Infra } from './infra/index.js';

export interface Principal {
  userId: string;
  role: Role;
  /** How the caller proved who they are. */
  via: 'token' | 'api_key' | 'static_key';
}

/**
 * What every service runs on: built once per request (workerd I/O objects cannot outlive it), with
 * no HTTP inside, so the API, the Telegram bot and tests call services the same way.
 */
export interface Deps {
  config: ApiConfig;
  infra: Infra;
  log: Logger;
  /** Work that may finish after the answer is sent (the request's waitUntil). */
  defer(work: Promise<unknown>): void;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: ApiConfig;
    infra: Infra;
    log: Logger;
    deps: Deps;
    principal: Principal;
  };
}

import type { ApiConfig, Role } from '@sokoul/contracts';
import type { Env, Logger } from '@sokoul/durable-objects';
import type { Infra } from './infra/index.js';

export interface Principal {
  userId: string;
  role: Role;
  /** How the caller proved who they are. */
  via: 'token' | 'api_key' | 'static_key';
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: ApiConfig;
    infra: Infra;
    log: Logger;
    principal: Principal;
  };
}

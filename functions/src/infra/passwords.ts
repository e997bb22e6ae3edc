import { type Env, HASHER_BUSY } from '@sokoul/durable-objects';
import { ApiError } from '../errors.js';

/** Password hashing as services see it: done by the PasswordHasher objects, off the request path. */
export interface Passwords {
  hash(password: string): Promise<string>;
  /** `stored` null when the account does not exist: the same work, and false. */
  verify(password: string, stored: string | null): Promise<boolean>;
}

/**
 * Instances sign-ins are spread over, at random. Each runs one derivation at a time (128 MiB); on
 * workerd they share one thread, so more of them would not add throughput, only memory.
 */
export const HASHER_INSTANCES = 2;

const busy = () =>
  new ApiError(503, 'dependency_unavailable', 'Too many sign-ins at once, try again in a few seconds', {
    'Retry-After': '2',
  });

export function createPasswords(env: Env): Passwords {
  const stub = () => {
    const name = `hasher-${Math.floor(Math.random() * HASHER_INSTANCES)}`;
    return env.PASSWORD_HASHER.get(env.PASSWORD_HASHER.idFromName(name));
  };
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof Error && error.message.includes(HASHER_BUSY)) throw busy();
      throw error;
    }
  };
  return {
    hash: (password) => guard(() => stub().hash(password)),
    verify: (password, stored) => guard(() => stub().verify(password, stored)),
  };
}

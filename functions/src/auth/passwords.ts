import { randomBytes, scrypt } from 'node:crypto';
import { encodePasswordHash, PASSWORD_COST, passwordBytes } from '@sokoul/durable-objects/passwords';

export { needsRehash } from '@sokoul/durable-objects/passwords';

/**
 * A password hash made in Node with the native scrypt (the launcher's `sokoul user create`). The API
 * never calls this: on workerd, hashing and verification run on the PasswordHasher objects
 * (`deps.infra.passwords`), in slices, so they never hold up other requests.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { logN, r, p } = PASSWORD_COST;
  const N = 2 ** logN;
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(
      passwordBytes(password),
      salt,
      32,
      { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
      (err, derived) => (err ? reject(err) : resolve(derived)),
    ),
  );
  return encodePasswordHash(PASSWORD_COST, salt, key);
}

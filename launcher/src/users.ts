import { Email, Password } from '@sokoul/contracts';
import { hashPassword } from '@sokoul/functions/passwords';
import postgres from 'postgres';

/** `sokoul user create`: creates (or promotes) an account straight in the database. */
export async function createUser(
  databaseUrl: string,
  input: { email: string; password: string; displayName?: string | undefined; admin: boolean },
): Promise<{ id: string; email: string; role: string; created: boolean }> {
  const email = Email.parse(input.email);
  const password = Password.parse(input.password);
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ id: string; email: string; role: string; created: boolean }[]>`
      INSERT INTO users (email, display_name, password_hash, role)
      VALUES (${email}, ${input.displayName ?? email.split('@')[0] ?? email}, ${await hashPassword(password)},
              ${input.admin ? 'admin' : 'member'})
      ON CONFLICT ((lower(email))) DO UPDATE SET
        password_hash = excluded.password_hash,
        role = CASE WHEN ${input.admin} THEN 'admin' ELSE users.role END,
        disabled = false,
        token_version = users.token_version + 1,
        updated_at = now()
      RETURNING id, email, role, (xmax = 0) AS created`;
    if (!row) throw new Error('user upsert returned nothing');
    return row;
  } finally {
    await sql.end();
  }
}

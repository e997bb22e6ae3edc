import type { ApiKey, CreatedApiKey, ErrorBody, TokenPair, User } from '@sokoul/contracts';
import { SignJWT } from 'jose';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import {
  type ApiResponse,
  adminSession,
  api,
  cookiesOf,
  eventually,
  memberSession,
  PASSWORD,
  stack,
  uniqueEmail,
  WsClient,
} from './helpers/api.js';
import {
  API_KEY,
  createTestDatabase,
  dropTestDatabase,
  JWT_SECRET,
  launchStack,
  MACHINE_REDIS,
} from './helpers/stack.js';

async function withSql<T>(run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(stack().databaseUrl, { max: 1, onnotice: () => {} });
  try {
    return await run(sql);
  } finally {
    await sql.end();
  }
}

describe('signup and login', () => {
  it('makes the first account an admin and later sign-ups follow the signup mode', async () => {
    const admin = await adminSession();
    expect(admin.user.role).toBe('admin');

    const settings = await api<{ signupMode: string; needsSetup: boolean }>('GET', '/auth/settings');
    expect(settings.body).toEqual({ signupMode: 'invite', needsSetup: false });

    const noInvite = await api('POST', '/auth/signup', {
      body: { email: uniqueEmail(), password: PASSWORD },
    });
    expect(noInvite.status).toBe(403);
    expect(noInvite.body).toMatchObject({ error: { code: 'invite_required' } });

    const badInvite = await api('POST', '/auth/signup', {
      body: { email: uniqueEmail(), password: PASSWORD, inviteCode: 'not-a-real-invite' },
    });
    expect(badInvite.body).toMatchObject({ error: { code: 'invite_required' } });

    const invite = await api<{ code: string }>('POST', '/admin/invites', {
      token: admin.accessToken,
      body: {},
    });
    expect(invite.status).toBe(201);
    const first = await api<TokenPair>('POST', '/auth/signup', {
      body: { email: uniqueEmail(), password: PASSWORD, inviteCode: invite.body.code },
    });
    expect(first.status).toBe(201);
    expect(first.body.user.role).toBe('member');
    const reused = await api('POST', '/auth/signup', {
      body: { email: uniqueEmail(), password: PASSWORD, inviteCode: invite.body.code },
    });
    expect(reused.body).toMatchObject({ error: { code: 'invite_required' } });

    await api('PATCH', '/admin/settings', { token: admin.accessToken, body: { signupMode: 'open' } });
    const open = await api<TokenPair>('POST', '/auth/signup', {
      body: { email: uniqueEmail(), password: PASSWORD },
    });
    expect(open.status).toBe(201);
    await api('PATCH', '/admin/settings', { token: admin.accessToken, body: { signupMode: 'closed' } });
    const closed = await api('POST', '/auth/signup', { body: { email: uniqueEmail(), password: PASSWORD } });
    expect(closed.status).toBe(403);
    expect(closed.body).toMatchObject({ error: { code: 'signup_closed' } });
    await api('PATCH', '/admin/settings', { token: admin.accessToken, body: { signupMode: 'invite' } });
  });

  it('refuses bad invites before hashing anything: at once, however long the password', async () => {
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        api('POST', '/auth/signup', {
          body: { email: uniqueEmail('cheap'), password: 'x'.repeat(256), inviteCode: `not-an-invite-${i}` },
          from: '127.0.0.62',
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(16).fill(403));
    // Sixteen password hashes take seconds; sixteen refusals read from the database do not.
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('rate-limits sign-ups per address', async () => {
    const from = '127.0.0.61';
    const attempt = (address = from) =>
      api('POST', '/auth/signup', {
        body: { email: uniqueEmail('flood'), password: PASSWORD, inviteCode: 'not-a-real-invite' },
        from: address,
      });
    let blocked: ApiResponse | undefined;
    let refused = 0;
    for (let batch = 0; batch < 25 && !blocked; batch++) {
      for (const answer of await Promise.all(Array.from({ length: 20 }, () => attempt()))) {
        if (answer.status === 429) blocked ??= answer;
        else {
          expect(answer.status).toBe(403);
          refused++;
        }
      }
    }
    // The test stack allows 400 sign-up attempts per address per minute.
    expect(refused).toBe(400);
    expect(blocked?.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(blocked?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await attempt('127.0.0.63')).status).toBe(403);
  });

  it('hashes passwords off the request path: a burst of sign-ins does not slow browsing', {
    timeout: 60_000,
  }, async () => {
    const member = await memberSession('burst');
    let done = false;
    const logins = Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api<TokenPair>('POST', '/auth/login', {
          body: { email: member.user.email, password: PASSWORD },
          from: `127.0.1.${i + 1}`,
        }),
      ),
    ).finally(() => {
      done = true;
    });
    const latencies: number[] = [];
    while (!done) {
      const started = performance.now();
      expect((await api('GET', '/auth/settings')).status).toBe(200);
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await logins).map((l) => l.status)).toEqual(Array(8).fill(200));
    latencies.sort((x, y) => x - y);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    // Eight hashes of ~0.3 s each: had they run on the API's turn, most probes would wait that long.
    expect(latencies.length).toBeGreaterThan(20);
    expect(at(0.5)).toBeLessThan(40);
    expect(at(0.9)).toBeLessThan(100);
  });

  it('rejects a duplicate email whatever its case', async () => {
    const admin = await adminSession();
    await api('PATCH', '/admin/settings', { token: admin.accessToken, body: { signupMode: 'open' } });
    const email = uniqueEmail('dup');
    expect((await api('POST', '/auth/signup', { body: { email, password: PASSWORD } })).status).toBe(201);
    const again = await api('POST', '/auth/signup', {
      body: { email: email.toUpperCase(), password: PASSWORD },
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'conflict' } });
    await api('PATCH', '/admin/settings', { token: admin.accessToken, body: { signupMode: 'invite' } });
  });

  it('logs in, answers /auth/me, and refuses a wrong password without saying which part was wrong', async () => {
    const member = await memberSession();
    const login = await api<TokenPair>('POST', '/auth/login', {
      body: { email: member.user.email, password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const me = await api<User>('GET', '/auth/me', { token: login.body.accessToken });
    expect(me.body).toMatchObject({ id: member.user.id, email: member.user.email, role: 'member' });

    const wrong = await api('POST', '/auth/login', {
      body: { email: member.user.email, password: 'nope-nope-nope' },
    });
    const unknown = await api('POST', '/auth/login', {
      body: { email: uniqueEmail('ghost'), password: PASSWORD },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
  });

  it('slows failed logins per account and address: a doubling wait after 3, then the limit', async () => {
    const member = await memberSession('ratelimit');
    const from = '127.0.0.71';
    const attempt = (password = 'wrong-password') =>
      api('POST', '/auth/login', { body: { email: member.user.email, password }, from });
    const retryAfter = (res: ApiResponse) => Number(res.headers.get('retry-after'));
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
    // After the third failure the next attempt waits 2 s, after the fourth 4 s.
    const waiting = await attempt();
    expect(waiting.status).toBe(429);
    expect(waiting.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(retryAfter(waiting)).toBeGreaterThan(0);
    expect(retryAfter(waiting)).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, retryAfter(waiting) * 1000 + 100));
    expect((await attempt()).status).toBe(401);
    const longer = await attempt();
    expect(longer.status).toBe(429);
    expect(retryAfter(longer)).toBeGreaterThan(2);
    await new Promise((r) => setTimeout(r, retryAfter(longer) * 1000 + 100));
    expect((await attempt()).status).toBe(401);
    // Five checks (the test stack's limit) in the window: even the right password waits it out,
    // so the attacker cannot learn it was right.
    const right = await attempt(PASSWORD);
    expect(right.status).toBe(429);
    expect(retryAfter(right)).toBeGreaterThan(0);
  });

  it('never makes more password checks than the limit, however many attempts run at once', async () => {
    const member = await memberSession('concurrent');
    const attempts = await Promise.all(
      Array.from({ length: 30 }, () =>
        api('POST', '/auth/login', {
          body: { email: member.user.email, password: 'wrong-password' },
          from: '127.0.0.74',
        }),
      ),
    );
    const statuses = attempts.map((a) => a.status);
    // Each check reserves its slot first: exactly the limit (5) are checked, the rest refused.
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
  });

  it('never locks the real user out from another address', async () => {
    const member = await memberSession('lockout');
    for (let i = 0; i < 12; i++) {
      const res = await api('POST', '/auth/login', {
        body: { email: member.user.email, password: 'attacker guess' },
        from: '127.0.0.72',
      });
      expect([401, 429]).toContain(res.status);
    }
    const attacker = await api('POST', '/auth/login', {
      body: { email: member.user.email, password: PASSWORD },
      from: '127.0.0.72',
    });
    expect(attacker.status).toBe(429);
    const owner = await api<TokenPair>('POST', '/auth/login', {
      body: { email: member.user.email, password: PASSWORD },
      from: '127.0.0.73',
    });
    expect(owner.status).toBe(200);
    expect(owner.body.user.id).toBe(member.user.id);
  });

  it('lets a device that signed in before in with the right password, whatever others failed', async () => {
    const member = await memberSession('device');
    const other = await memberSession('device-other');
    const from = '127.0.0.75';
    const first = await api('POST', '/auth/login', {
      body: { email: member.user.email, password: PASSWORD },
      from,
    });
    expect(first.status).toBe(200);
    const device = cookiesOf(first).sokoul_device;
    expect(device).toBeTruthy();
    expect(first.headers.getSetCookie().join('\n')).toMatch(/sokoul_device=.*HttpOnly/i);
    // Someone on the same address (a shared connection) exhausts the account's attempts there.
    for (let i = 0; i < 8; i++) {
      await api('POST', '/auth/login', { body: { email: member.user.email, password: 'guess' }, from });
    }
    const stranger = await api('POST', '/auth/login', {
      body: { email: member.user.email, password: PASSWORD },
      from,
    });
    expect(stranger.status).toBe(429);
    // A device token is checked: another device id under the same MAC is nobody's.
    const forged = `${member.user.id}.another-device.${device?.split('.')[2]}`;
    const forgedLogin = await api('POST', '/auth/login', {
      body: { email: member.user.email, password: PASSWORD },
      headers: { cookie: `sokoul_device=${forged}` },
      from,
    });
    expect(forgedLogin.status).toBe(429);
    const known = await api('POST', '/auth/login', {
      body: { email: member.user.email, password: PASSWORD },
      headers: { cookie: `sokoul_device=${device}` },
      from,
    });
    expect(known.status).toBe(200);
    // The device's own wrong password is checked, not refused for the others' failures.
    const typo = await api('POST', '/auth/login', {
      body: { email: member.user.email, password: 'typo typo' },
      headers: { cookie: `sokoul_device=${device}` },
      from,
    });
    expect(typo.status).toBe(401);
    // The device token is this account's: it gives nothing for another one.
    for (let i = 0; i < 8; i++) {
      await api('POST', '/auth/login', { body: { email: other.user.email, password: 'guess' }, from });
    }
    const borrowed = await api('POST', '/auth/login', {
      body: { email: other.user.email, password: PASSWORD },
      headers: { cookie: `sokoul_device=${device}` },
      from,
    });
    expect(borrowed.status).toBe(429);
  });
});

describe('tokens', () => {
  it('rotates refresh tokens and revokes the whole family, access tokens included, when a spent one is reused', async () => {
    const member = await memberSession('rotate');
    const first = await api<TokenPair>('POST', '/auth/refresh', {
      body: { refreshToken: member.refreshToken },
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body.refreshToken).not.toBe(member.refreshToken);
    expect((await api('GET', '/auth/me', { token: first.body.accessToken })).status).toBe(200);

    // Spent more than the 30 s grace ago (set back in the database rather than waited for).
    await withSql(
      (sql) =>
        sql`UPDATE refresh_tokens SET rotated_at = now() - interval '1 minute'
          WHERE id = ${member.refreshToken?.split('.')[0] ?? ''}`,
    );
    const reuse = await api('POST', '/auth/refresh', { body: { refreshToken: member.refreshToken } });
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ error: { code: 'token_reused' } });
    // The thief's rotated token is dead too, and so is every access token of the session, at once.
    const next = await api('POST', '/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
    expect(next.status).toBe(401);
    expect((await api('GET', '/auth/me', { token: first.body.accessToken })).status).toBe(401);
    expect((await api('GET', '/auth/me', { token: member.accessToken })).status).toBe(401);
  });

  it('lets two tabs refresh with the same token at once without ending the session', async () => {
    const member = await memberSession('two-tabs');
    const [a, b] = await Promise.all(
      [0, 1].map(() =>
        api<TokenPair>('POST', '/auth/refresh', { body: { refreshToken: member.refreshToken } }),
      ),
    );
    expect([a?.status, b?.status]).toEqual([200, 200]);
    // Each tab carries on with its own token of the same session.
    for (const pair of [a, b]) {
      expect((await api('GET', '/auth/me', { token: pair?.body.accessToken })).status).toBe(200);
      const again = await api('POST', '/auth/refresh', { body: { refreshToken: pair?.body.refreshToken } });
      expect(again.status).toBe(200);
    }
  });

  it('logs out: the refresh token and the session’s access token stop working at once', async () => {
    const member = await memberSession('logout');
    const other = await api<TokenPair>('POST', '/auth/login', {
      body: { email: member.user.email, password: PASSWORD },
    });
    expect((await api('GET', '/auth/me', { token: member.accessToken })).status).toBe(200);
    expect((await api('POST', '/auth/logout', { body: { refreshToken: member.refreshToken } })).status).toBe(
      204,
    );
    expect((await api('POST', '/auth/refresh', { body: { refreshToken: member.refreshToken } })).status).toBe(
      401,
    );
    expect((await api('GET', '/auth/me', { token: member.accessToken })).status).toBe(401);
    // The account's other session goes on.
    expect((await api('GET', '/auth/me', { token: other.body.accessToken })).status).toBe(200);
  });

  it('keeps the browser’s refresh token in an HttpOnly cookie scoped to /auth', async () => {
    const member = await memberSession('cookie');
    const login = await api<TokenPair>('POST', '/auth/login', {
      body: { email: member.user.email, password: PASSWORD, session: 'cookie' },
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.body.refreshToken).toBeUndefined();
    const setCookie = login.headers.getSetCookie().find((c) => c.startsWith('sokoul_refresh='));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/auth(;|$)/i);
    expect(setCookie).not.toMatch(/Secure/i);
    const cookie = `sokoul_refresh=${cookiesOf(login).sokoul_refresh}`;

    const refreshed = await api<TokenPair>('POST', '/auth/refresh', { headers: { cookie } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).toBeUndefined();
    expect((await api('GET', '/auth/me', { token: refreshed.body.accessToken })).status).toBe(200);
    const next = `sokoul_refresh=${cookiesOf(refreshed).sokoul_refresh}`;
    expect(next).not.toBe(cookie);

    // Behind an HTTPS proxy the cookie is Secure.
    const proxied = await api('POST', '/auth/refresh', {
      headers: { cookie: next, 'x-forwarded-proto': 'https' },
    });
    expect(proxied.headers.getSetCookie().find((c) => c.startsWith('sokoul_refresh='))).toMatch(/Secure/i);
    const latest = `sokoul_refresh=${cookiesOf(proxied).sokoul_refresh}`;

    const out = await api('POST', '/auth/logout', { headers: { cookie: latest } });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().find((c) => c.startsWith('sokoul_refresh='))).toMatch(/Max-Age=0/i);
    expect((await api('POST', '/auth/refresh', { headers: { cookie: latest } })).status).toBe(401);
    expect((await api('GET', '/auth/me', { token: refreshed.body.accessToken })).status).toBe(401);
    // Without a token anywhere there is no session.
    expect((await api('POST', '/auth/refresh')).status).toBe(401);
  });

  it('rejects expired, forged and malformed access tokens', async () => {
    const member = await memberSession('expiry');
    const sign = (secret: string, exp: number) =>
      new SignJWT({ role: 'member', tv: 0, typ: 'access' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(member.user.id)
        .setIssuer('sokoul')
        .setIssuedAt(exp - 60)
        .setExpirationTime(exp)
        .sign(new TextEncoder().encode(secret));
    const now = Math.floor(Date.now() / 1000);
    const expired = await api('GET', '/auth/me', { token: await sign(JWT_SECRET, now - 10) });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ error: { code: 'token_expired' } });
    const forged = await api('GET', '/auth/me', {
      token: await sign('another-secret-another-secret-0000', now + 600),
    });
    expect(forged.body).toMatchObject({ error: { code: 'unauthorized' } });
    const valid = await api('GET', '/auth/me', { token: await sign(JWT_SECRET, now + 600) });
    expect(valid.status).toBe(200);
    expect((await api('GET', '/auth/me', { token: 'garbage' })).status).toBe(401);
    expect((await api('GET', '/auth/me')).status).toBe(401);
  });

  it('stops accepting a remembered access token when it expires', async () => {
    const member = await memberSession('short-lived');
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({ role: 'member', tv: 0, typ: 'access' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(member.user.id)
      .setIssuer('sokoul')
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(JWT_SECRET));
    expect((await api('GET', '/auth/me', { token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 200));
    const late = await api('GET', '/auth/me', { token });
    expect(late.status).toBe(401);
    expect(late.body).toMatchObject({ error: { code: 'token_expired' } });
  });

  it('changing the password revokes other sessions and outstanding access tokens', async () => {
    const member = await memberSession('password');
    const other = await api<TokenPair>('POST', '/auth/login', {
      body: { email: member.user.email, password: PASSWORD },
    });
    const wrong = await api('POST', '/auth/password', {
      token: member.accessToken,
      body: { currentPassword: 'not-it-at-all', newPassword: 'a brand new password' },
    });
    expect(wrong.status).toBe(401);
    // A wrong current password takes one of the account's slots; the right one frees them.
    const changed = await api('POST', '/auth/password', {
      token: member.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'a brand new password' },
    });
    expect(changed.status).toBe(204);
    expect((await api('GET', '/auth/me', { token: other.body.accessToken })).status).toBe(401);
    expect(
      (await api('POST', '/auth/refresh', { body: { refreshToken: other.body.refreshToken } })).status,
    ).toBe(401);
    expect(
      (await api('POST', '/auth/login', { body: { email: member.user.email, password: PASSWORD } })).status,
    ).toBe(401);
    const fresh = await api('POST', '/auth/login', {
      body: { email: member.user.email, password: 'a brand new password' },
    });
    expect(fresh.status).toBe(200);
  });

  it('rate-limits wrong current passwords on /auth/password', async () => {
    const member = await memberSession('password-guess');
    const guess = () =>
      api('POST', '/auth/password', {
        token: member.accessToken,
        body: { currentPassword: 'a wrong guess', newPassword: 'another new password' },
      });
    for (let i = 0; i < 5; i++) expect((await guess()).status).toBe(401);
    const blocked = await guess();
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    const right = await api('POST', '/auth/password', {
      token: member.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'another new password' },
    });
    expect(right.status).toBe(429);
  });

  it('updates the profile', async () => {
    const member = await memberSession('profile');
    const updated = await api<User>('PATCH', '/auth/me', {
      token: member.accessToken,
      body: { displayName: 'Ana', locale: 'en' },
    });
    expect(updated.body).toMatchObject({ displayName: 'Ana', locale: 'en' });
    expect((await api<User>('GET', '/auth/me', { token: member.accessToken })).body.locale).toBe('en');
  });
});

describe('API keys', () => {
  it('creates a key shown once, authenticates with it, lists it without the secret, and revokes it', async () => {
    const member = await memberSession('keys');
    const created = await api<CreatedApiKey>('POST', '/auth/api-keys', {
      token: member.accessToken,
      body: { name: 'script' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body.key).toMatch(/^sk_/);

    const viaBearer = await api<User>('GET', '/auth/me', { token: created.body.key });
    expect(viaBearer.body.id).toBe(member.user.id);
    const viaHeader = await api<User>('GET', '/auth/me', { headers: { 'x-api-key': created.body.key } });
    expect(viaHeader.body.id).toBe(member.user.id);

    const list = await api<{ apiKeys: ApiKey[] }>('GET', '/auth/api-keys', { token: member.accessToken });
    expect(list.body.apiKeys).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect(list.body.apiKeys[0]?.lastUsedAt).not.toBeNull();

    const other = await memberSession('keys-other');
    const foreign = await api('DELETE', `/auth/api-keys/${created.body.id}`, { token: other.accessToken });
    expect(foreign.status).toBe(404);

    expect(
      (await api('DELETE', `/auth/api-keys/${created.body.id}`, { token: member.accessToken })).status,
    ).toBe(204);
    // Revocation is immediate where it happened and within the 5 s key cache anywhere else.
    await eventually(
      async () => expect((await api('GET', '/auth/me', { token: created.body.key })).status).toBe(401),
      6000,
    );
  });

  it('sees keys and accounts changed behind its back once its 5 s caches expire', async () => {
    const member = await memberSession('behind');
    const keyed = await memberSession('behind-key');
    const created = await api<CreatedApiKey>('POST', '/auth/api-keys', {
      token: keyed.accessToken,
      body: { name: 'script' },
    });
    expect((await api('GET', '/auth/me', { token: member.accessToken })).status).toBe(200);
    expect((await api('GET', '/auth/me', { token: created.body.key })).status).toBe(200);
    const sql = postgres(stack().databaseUrl, { max: 1, onnotice: () => {} });
    try {
      await sql`UPDATE users SET disabled = true WHERE id = ${member.user.id}`;
      await sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${created.body.id}`;
    } finally {
      await sql.end();
    }
    const changedAt = Date.now();
    // Still answered from the caches at first, then read again from the database.
    expect((await api('GET', '/auth/me', { token: member.accessToken })).status).toBe(200);
    expect((await api('GET', '/auth/me', { token: created.body.key })).status).toBe(200);
    await eventually(async () => {
      expect((await api('GET', '/auth/me', { token: member.accessToken })).status).toBe(403);
      expect((await api('GET', '/auth/me', { token: created.body.key })).status).toBe(401);
    }, 7000);
    expect(Date.now() - changedAt).toBeLessThan(6500);
  });

  it('accepts the static API_KEY as the instance owner', async () => {
    const admin = await adminSession();
    const me = await api<User>('GET', '/auth/me', { headers: { 'x-api-key': API_KEY } });
    expect(me.body).toMatchObject({ id: admin.user.id, role: 'admin' });
    expect((await api('GET', '/auth/me', { headers: { 'x-api-key': `${API_KEY}x` } })).status).toBe(401);
  });
});

describe('roles and admin', () => {
  it('keeps members out of admin routes', async () => {
    const member = await memberSession('nosy');
    for (const [method, path] of [
      ['GET', '/admin/users'],
      ['GET', '/admin/settings'],
      ['POST', '/admin/invites'],
      ['GET', '/admin/downloads/limits'],
      ['GET', '/admin/download-clients'],
      ['DELETE', '/admin/download-clients/qbittorrent'],
      ['GET', '/admin/telegram/links'],
    ] as const) {
      const res = await api(method, path, {
        token: member.accessToken,
        body: method === 'POST' ? {} : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body).toMatchObject({ error: { code: 'forbidden' } });
    }
  });

  it('lets an admin promote, disable and delete users, but never remove the last admin', async () => {
    const admin = await adminSession();
    const member = await memberSession('managed');
    const list = await api<{ users: User[] }>('GET', '/admin/users', { token: admin.accessToken });
    expect(list.body.users.some((u) => u.id === member.user.id)).toBe(true);

    const promoted = await api<User>('PATCH', `/admin/users/${member.user.id}`, {
      token: admin.accessToken,
      body: { role: 'admin' },
    });
    expect(promoted.body.role).toBe('admin');
    expect((await api('GET', '/admin/users', { token: member.accessToken })).status).toBe(200);
    await api('PATCH', `/admin/users/${member.user.id}`, {
      token: admin.accessToken,
      body: { role: 'member' },
    });
    expect((await api('GET', '/admin/users', { token: member.accessToken })).status).toBe(403);

    const socket = await WsClient.connect({ token: member.accessToken });
    const disabled = await api<User>('PATCH', `/admin/users/${member.user.id}`, {
      token: admin.accessToken,
      body: { disabled: true },
    });
    expect(disabled.body.disabled).toBe(true);
    // The open socket closes at once, saying why.
    await eventually(
      async () => expect(socket.closed).toEqual({ code: 4001, reason: 'account disabled' }),
      3000,
    );
    expect((await api('GET', '/auth/me', { token: member.accessToken })).status).toBe(401);
    const login = await api('POST', '/auth/login', {
      body: { email: member.user.email, password: PASSWORD },
    });
    expect(login.status).toBe(403);
    expect(login.body).toMatchObject({ error: { code: 'account_disabled' } });

    expect((await api('DELETE', `/admin/users/${member.user.id}`, { token: admin.accessToken })).status).toBe(
      204,
    );
    expect((await api('DELETE', `/admin/users/${member.user.id}`, { token: admin.accessToken })).status).toBe(
      404,
    );
  });

  // Other files promote admins on the shared stack: the last admin is tested on a stack of its own.
  it('never demotes or deletes the last admin, and lets one go once another is there', {
    timeout: 120_000,
  }, async () => {
    const database = await createTestDatabase('sokoul_last_admin');
    const { stack: own, info } = await launchStack({ DATABASE_URL: database, REDIS_URL: MACHINE_REDIS });
    try {
      const base = info.url;
      const admin = await adminSession(base);
      const demote = (id: string, token: string) =>
        api<ErrorBody>('PATCH', `/admin/users/${id}`, { token, body: { role: 'member' }, base });
      const selfDemote = await demote(admin.user.id, admin.accessToken);
      expect(selfDemote.status).toBe(409);
      expect(selfDemote.body.error.code).toBe('conflict');
      const selfDelete = await api('DELETE', `/admin/users/${admin.user.id}`, {
        token: admin.accessToken,
        base,
      });
      expect(selfDelete.status).toBe(409);
      expect((await api<User>('GET', '/auth/me', { token: admin.accessToken, base })).body.role).toBe(
        'admin',
      );

      const second = await memberSession('second-admin', base);
      const promoted = await api<User>('PATCH', `/admin/users/${second.user.id}`, {
        token: admin.accessToken,
        body: { role: 'admin' },
        base,
      });
      expect(promoted.body.role).toBe('admin');
      expect((await demote(admin.user.id, second.accessToken)).status).toBe(200);
      // Now the second is the last one.
      expect((await demote(second.user.id, second.accessToken)).status).toBe(409);
    } finally {
      await own.stop();
      await dropTestDatabase(database);
    }
  });
});

describe('address rate limit', () => {
  it('rate-limits failed logins per address across accounts, never a known device', {
    timeout: 40_000,
  }, async () => {
    const from = '127.0.0.76';
    const admin = await memberSession('household-admin');
    const signedIn = await api('POST', '/auth/login', {
      body: { email: admin.user.email, password: PASSWORD },
      from,
    });
    const device = cookiesOf(signedIn).sokoul_device;
    // The address limit is 5x the account limit (5): 40 attempts at once over different accounts,
    // each account tried once. Each takes its slot before its check, so exactly 25 are checked; the
    // 15 others are refused at once, while the checks are still running.
    const refused: ApiResponse[] = [];
    const spray = Promise.all(
      Array.from({ length: 40 }, async () => {
        const res = await api('POST', '/auth/login', {
          body: { email: uniqueEmail('spray'), password: 'x' },
          from,
        });
        if (res.status === 429) refused.push(res);
        return res;
      }),
    );
    await eventually(async () => expect(refused.length).toBe(15), 5000, 20);
    expect(refused[0]?.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThan(0);
    // From the same address: a stranger waits, the device that signed in before gets in.
    const stranger = await api('POST', '/auth/login', {
      body: { email: admin.user.email, password: PASSWORD },
      from,
    });
    expect(stranger.status).toBe(429);
    const known = await api('POST', '/auth/login', {
      body: { email: admin.user.email, password: PASSWORD },
      headers: { cookie: `sokoul_device=${device}` },
      from,
    });
    expect(known.status).toBe(200);
    expect((await spray).filter((r) => r.status === 401)).toHaveLength(25);
    // Other addresses are not concerned.
    expect(
      (await api('POST', '/auth/login', { body: { email: uniqueEmail('after'), password: 'x' } })).status,
    ).toBe(401);
  });
});

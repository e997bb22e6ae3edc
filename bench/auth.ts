import { type Load, load } from './load.js';

/**
 * Sign-ins against browsing, in the same run: how many logins (right password) go through while a
 * burst of sign-ups with 256-character passwords runs, and what that burst does to browsing latency
 * (GET /auth/settings, and a cached TMDB page), compared with the same routes without the burst. A
 * third burst repeats the security review's case: sign-ups with a bad invite code, 16 at once.
 * The figures read the same before and after a change to hashing: compare runs by their lines.
 */
export interface AuthFigures {
  idle: { settings: Load; catalog: Load };
  burst: {
    settings: Load;
    catalog: Load;
    loginsPerSecond: number;
    loginP50Ms: number;
    loginP99Ms: number;
    signupsPerSecond: number;
    failures: number;
  };
  badInvites: { settings: Load; refusalsPerSecond: number; refusalP50Ms: number };
}

const LONG_PASSWORD = 'p'.repeat(256);

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
};

interface Driver {
  stop(): Promise<{ count: number; seconds: number; latencies: number[]; failures: number }>;
}

/** `concurrency` loops calling `once` until stopped; counts what answered as expected. */
function drive(concurrency: number, once: (i: number) => Promise<boolean>): Driver {
  let running = true;
  let count = 0;
  let failures = 0;
  const latencies: number[] = [];
  const started = performance.now();
  let n = 0;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      const t = performance.now();
      const ok = await once(n++).catch(() => null);
      if (!running || ok === null) break;
      if (ok) {
        count++;
        latencies.push(performance.now() - t);
      } else failures++;
    }
  });
  return {
    async stop() {
      running = false;
      const seconds = (performance.now() - started) / 1000;
      await Promise.all(loops);
      return { count, seconds, latencies, failures };
    },
  };
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export async function authBench(opts: {
  stackUrl: string;
  adminToken: string;
  user: { email: string; password: string };
  token: string;
  seconds: number;
}): Promise<AuthFigures> {
  const { stackUrl, seconds } = opts;
  const auth = { authorization: `Bearer ${opts.token}` };
  const browse = (label: string) => ({
    settings: () =>
      load(`GET /auth/settings ${label}`, `${stackUrl}/auth/settings`, {}, seconds, { connections: 10 }),
    catalog: () =>
      load(`GET /tmdb/movie/:id ${label}`, `${stackUrl}/tmdb/movie/550`, auth, seconds, { connections: 10 }),
  });
  await fetch(`${stackUrl}/tmdb/movie/550`, { headers: auth });
  // Sign-ups in the default invite mode, each with an invite of its own made beforehand.
  const invites: string[] = [];
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${stackUrl}/admin/invites`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.adminToken}` },
      body: '{}',
    });
    invites.push(((await res.json()) as { code: string }).code);
  }

  const idle = { settings: await browse('(idle)').settings(), catalog: await browse('(idle)').catalog() };

  // Sign-ups (16 at once, each hashing a 256-character password) and logins (4 at once).
  const tag = `${process.pid}-${Date.now()}`;
  const burstRun = async (measure: () => Promise<Load>) => {
    const signups = drive(16, async (i) => {
      const inviteCode = invites.pop();
      if (!inviteCode) throw new Error('out of invites');
      const res = await post(`${stackUrl}/auth/signup`, {
        email: `burst-${tag}-${Math.random().toString(36).slice(2)}-${i}@example.test`,
        password: LONG_PASSWORD,
        inviteCode,
      });
      await res.arrayBuffer();
      return res.status === 201;
    });
    const logins = drive(4, async () => {
      const res = await post(`${stackUrl}/auth/login`, opts.user);
      await res.arrayBuffer();
      return res.status === 200;
    });
    const browsing = await measure();
    const [s, l] = await Promise.all([signups.stop(), logins.stop()]);
    return { browsing, s, l };
  };
  const settingsBurst = await burstRun(browse('(sign-up burst)').settings);
  const catalogBurst = await burstRun(browse('(sign-up burst)').catalog);
  const loginLatencies = [...settingsBurst.l.latencies, ...catalogBurst.l.latencies];
  const burstSeconds = settingsBurst.l.seconds + catalogBurst.l.seconds;

  // The review's case: sign-ups with a bad invite, 16 at once.
  const refusals = drive(16, async (i) => {
    const res = await post(`${stackUrl}/auth/signup`, {
      email: `bad-${tag}-${i}@example.test`,
      password: LONG_PASSWORD,
      inviteCode: `not-an-invite-${i}`,
    });
    await res.arrayBuffer();
    return res.status === 403;
  });
  const badSettings = await browse('(bad invites)').settings();
  const refused = await refusals.stop();

  return {
    idle,
    burst: {
      settings: settingsBurst.browsing,
      catalog: catalogBurst.browsing,
      loginsPerSecond:
        Math.round(((settingsBurst.l.count + catalogBurst.l.count) / burstSeconds) * 100) / 100,
      loginP50Ms: quantile(loginLatencies, 0.5),
      loginP99Ms: quantile(loginLatencies, 0.99),
      signupsPerSecond:
        Math.round(
          ((settingsBurst.s.count + catalogBurst.s.count) /
            (settingsBurst.s.seconds + catalogBurst.s.seconds)) *
            100,
        ) / 100,
      failures:
        settingsBurst.s.failures +
        catalogBurst.s.failures +
        settingsBurst.l.failures +
        catalogBurst.l.failures,
    },
    badInvites: {
      settings: badSettings,
      refusalsPerSecond: Math.round(refused.count / refused.seconds),
      refusalP50Ms: quantile(refused.latencies, 0.5),
    },
  };
}

export function printAuth(f: AuthFigures): void {
  const row = (r: Load) =>
    `${r.name.padEnd(42)} ${String(r.rps).padStart(7)}   ${String(r.p50).padStart(6)}   ${String(r.p99).padStart(6)}   ${r.non2xx}`;
  console.log('\nSign-ins against browsing (10 browsing connections; 16 sign-ups and 4 logins at once)\n');
  console.log('route                                        req/s     p50 ms   p99 ms   non-2xx');
  for (const r of [f.idle.settings, f.burst.settings, f.idle.catalog, f.burst.catalog, f.badInvites.settings])
    console.log(row(r));
  console.log(
    `\nLogins during the sign-up burst:   ${f.burst.loginsPerSecond}/s, p50 ${f.burst.loginP50Ms} ms, p99 ${f.burst.loginP99Ms} ms`,
  );
  console.log(
    `Sign-ups during the burst:         ${f.burst.signupsPerSecond}/s (failed or refused: ${f.burst.failures})`,
  );
  console.log(
    `Bad-invite sign-ups refused:       ${f.badInvites.refusalsPerSecond}/s, p50 ${f.badInvites.refusalP50Ms} ms`,
  );
}

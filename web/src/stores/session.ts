import type { Locale, TokenPair, User } from '@sokoul/contracts';
import { createSignal } from 'solid-js';
import { authApi } from '../api/auth.js';
import { refreshSession, tokens } from '../api/client.js';
import { setLocale } from '../i18n.js';
import { downloads } from './downloads.js';
import { engines } from './engines.js';
import { library } from './library.js';
import { live } from './live.js';
import { tasks } from './tasks.js';

const [user, setUser] = createSignal<User | null>(null);
const [ready, setReady] = createSignal(false);

function start(pair: TokenPair): void {
  tokens.store(pair);
  setUser(pair.user);
  setLocale(pair.user.locale);
  live.connect();
}

function end(): void {
  live.disconnect();
  library.reset();
  tasks.reset();
  downloads.reset();
  engines.reset();
  tokens.clear();
  setUser(null);
}

tokens.onEnded(end);

export const session = {
  user,
  ready,
  /** On load: the session cookie brings the session back without a new sign-in. */
  async restore(): Promise<void> {
    try {
      if (tokens.hasSession()) {
        const pair = await refreshSession();
        if (pair) start(pair);
      }
    } catch {
      // Offline or server unreachable: the session is kept for the next start.
    } finally {
      setReady(true);
    }
  },
  async login(email: string, password: string) {
    start(await authApi.login({ email, password }));
  },
  async signup(input: {
    email: string;
    password: string;
    displayName?: string;
    inviteCode?: string;
    locale: Locale;
  }) {
    start(await authApi.signup(input));
  },
  async logout() {
    end();
    // The browser sends the session cookie; the answer clears it.
    await authApi.logout().catch(() => undefined);
  },
  async changeLocale(next: Locale) {
    setLocale(next);
    if (user()) setUser(await authApi.updateProfile({ locale: next }));
  },
  update(next: User) {
    setUser(next);
  },
};

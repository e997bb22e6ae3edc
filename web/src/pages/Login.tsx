import { A, useNavigate } from '@solidjs/router';
import { createSignal } from 'solid-js';
import { ErrorMessage, Field, messageOf } from '../components/Field.js';
import { LanguageSwitcher } from '../components/LanguageSwitcher.js';
import { t } from '../i18n.js';
import { session } from '../stores/session.js';

export default function Login() {
  const navigate = useNavigate();
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      await session.login(String(form.get('email')), String(form.get('password')));
      navigate('/', { replace: true });
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="auth-page">
      <form class="card auth-card" onSubmit={submit}>
        <div class="auth-head">
          <h1>{t('auth.loginTitle')}</h1>
          <LanguageSwitcher />
        </div>
        <Field
          id="email"
          name="email"
          type="email"
          label={t('auth.email')}
          autocomplete="username"
          required
        />
        <Field
          id="password"
          name="password"
          type="password"
          label={t('auth.password')}
          autocomplete="current-password"
          required
        />
        <ErrorMessage message={error()} />
        <button type="submit" class="primary" data-testid="login-submit" disabled={busy()}>
          {t('auth.login')}
        </button>
        <p class="muted">
          {t('auth.noAccount')} <A href="/signup">{t('auth.signup')}</A>
        </p>
      </form>
    </div>
  );
}

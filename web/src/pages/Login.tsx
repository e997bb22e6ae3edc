import { A, useNavigate } from '@solidjs/router';
import { EmailField, Field, FormFooter, useAction } from '../components/Field.js';
import { LanguageSwitcher } from '../components/LanguageSwitcher.js';
import { t } from '../i18n.js';
import { session } from '../stores/session.js';
import { usePageTitle } from '../title.js';

export default function Login() {
  const navigate = useNavigate();
  const action = useAction();
  usePageTitle(() => t('auth.loginTitle'));
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    void action.run(async () => {
      await session.login(String(form.get('email')), String(form.get('password')));
      navigate('/', { replace: true });
    });
  };
  return (
    <main id="main" tabIndex={-1} class="auth-page">
      <form class="card auth-card" onSubmit={submit}>
        <div class="auth-head">
          <h1>{t('auth.loginTitle')}</h1>
          <LanguageSwitcher />
        </div>
        <EmailField />
        <Field
          id="password"
          name="password"
          type="password"
          label={t('auth.password')}
          autocomplete="current-password"
          required
        />
        <FormFooter action={action} label={t('auth.login')} testId="login-submit" />
        <p class="muted">
          {t('auth.noAccount')} <A href="/signup">{t('auth.signup')}</A>
        </p>
      </form>
    </main>
  );
}

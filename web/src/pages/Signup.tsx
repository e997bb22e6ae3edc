import { A, useNavigate } from '@solidjs/router';
import { createResource, Show } from 'solid-js';
import { authApi } from '../api/auth.js';
import { EmailField, Field, FormFooter, useAction } from '../components/Field.js';
import { LanguageSwitcher } from '../components/LanguageSwitcher.js';
import { locale, t } from '../i18n.js';
import { session } from '../stores/session.js';
import { usePageTitle } from '../title.js';

export default function Signup() {
  const navigate = useNavigate();
  const [settings] = createResource(() => authApi.settings());
  const action = useAction({ conflict: 'error.emailTaken' });
  const setup = () => settings()?.needsSetup ?? false;
  const closed = () => !setup() && settings()?.signupMode === 'closed';
  const invite = () => !setup() && settings()?.signupMode === 'invite';
  usePageTitle(() => (setup() ? t('auth.setupTitle') : t('auth.signupTitle')));
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    void action.run(async () => {
      await session.signup({
        email: value('email') ?? '',
        password: String(form.get('password') ?? ''),
        displayName: value('displayName'),
        inviteCode: value('inviteCode'),
        locale: locale(),
      });
      navigate('/', { replace: true });
    });
  };
  return (
    <main id="main" tabIndex={-1} class="auth-page">
      <form class="card auth-card" onSubmit={submit}>
        <div class="auth-head">
          <h1>{setup() ? t('auth.setupTitle') : t('auth.signupTitle')}</h1>
          <LanguageSwitcher />
        </div>
        <Show when={setup()}>
          <p class="muted">{t('auth.setupHint')}</p>
        </Show>
        <Show when={!closed()} fallback={<p class="notice">{t('auth.closed')}</p>}>
          <EmailField />
          <Field
            id="displayName"
            name="displayName"
            type="text"
            label={t('auth.displayName')}
            maxLength={80}
          />
          <Field
            id="password"
            name="password"
            type="password"
            label={t('auth.password')}
            autocomplete="new-password"
            minLength={8}
            required
          />
          <Show when={invite()}>
            <Field id="inviteCode" name="inviteCode" type="text" label={t('auth.inviteCode')} required />
          </Show>
          <FormFooter
            action={action}
            label={t('auth.signup')}
            testId="signup-submit"
            disabled={settings.loading}
          />
        </Show>
        <p class="muted">
          {t('auth.haveAccount')} <A href="/login">{t('auth.login')}</A>
        </p>
      </form>
    </main>
  );
}

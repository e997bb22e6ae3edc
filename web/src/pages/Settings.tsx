import type { CreatedApiKey, Invite, SignupMode, User } from '@sokoul/contracts';
import { createResource, createSignal, For, Show } from 'solid-js';
import { adminApi } from '../api/admin.js';
import { authApi } from '../api/auth.js';
import { ErrorMessage, Field, FormFooter, messageOf, useAction } from '../components/Field.js';
import { formatDate, roleLabel, t } from '../i18n.js';
import { session } from '../stores/session.js';
import { usePageTitle } from '../title.js';

function Profile() {
  const action = useAction();
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    void action.run(
      async () =>
        session.update(await authApi.updateProfile({ displayName: String(form.get('displayName')) })),
      t('settings.saved'),
    );
  };
  return (
    <form class="card" onSubmit={submit}>
      <h2>{t('settings.profile')}</h2>
      <Field
        id="profileName"
        name="displayName"
        label={t('auth.displayName')}
        value={session.user()?.displayName ?? ''}
        required
      />
      <FormFooter action={action} label={t('settings.save')} />
    </form>
  );
}

function Password() {
  const action = useAction({ invalid_credentials: 'error.currentPassword' });
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    void action.run(async () => {
      await authApi.changePassword({
        currentPassword: String(form.get('current')),
        newPassword: String(form.get('next')),
      });
      element.reset();
    }, t('settings.passwordChanged'));
  };
  return (
    <form class="card" onSubmit={submit}>
      <h2>{t('settings.password')}</h2>
      <Field
        id="currentPassword"
        name="current"
        type="password"
        label={t('settings.currentPassword')}
        autocomplete="current-password"
        required
      />
      <Field
        id="newPassword"
        name="next"
        type="password"
        label={t('settings.newPassword')}
        autocomplete="new-password"
        minLength={8}
        required
      />
      <FormFooter action={action} label={t('settings.save')} />
    </form>
  );
}

function ApiKeys() {
  const [keys, { refetch }] = createResource(() => authApi.listKeys());
  const [created, setCreated] = createSignal<CreatedApiKey | null>(null);
  const { error, run } = useAction();
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const name = String(new FormData(element).get('name'));
    void run(async () => {
      setCreated(await authApi.createKey(name));
      element.reset();
      await refetch();
    });
  };
  return (
    <div class="card">
      <h2>{t('settings.apiKeys')}</h2>
      <form class="inline" onSubmit={submit}>
        <Field id="keyName" name="name" label={t('settings.keyName')} maxLength={80} required />
        <button type="submit" class="primary">
          {t('settings.createKey')}
        </button>
      </form>
      <Show when={created()}>
        {(key) => (
          <div class="notice">
            <p>{t('settings.keyOnce')}</p>
            <code class="secret">{key().key}</code>
            <button type="button" onClick={() => void navigator.clipboard.writeText(key().key)}>
              {t('settings.copy')}
            </button>
          </div>
        )}
      </Show>
      <ErrorMessage message={error() ?? (keys.error ? messageOf(keys.error) : null)} />
      <Show
        when={(keys.latest ?? []).length > 0}
        fallback={<p class="muted">{keys.loading ? t('app.loading') : t('settings.noKeys')}</p>}
      >
        <ul class="list">
          <For each={keys.latest}>
            {(key) => (
              <li>
                <span>
                  <strong>{key.name}</strong> <code>{key.prefix}…</code> · {t('settings.lastUsed')}:{' '}
                  {key.lastUsedAt ? formatDate(key.lastUsedAt) : t('settings.never')}
                </span>
                <button
                  type="button"
                  onClick={() =>
                    void run(async () => {
                      await authApi.revokeKey(key.id);
                      await refetch();
                    })
                  }
                >
                  {t('settings.revoke')}
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}

function Admin() {
  const [users, { refetch, mutate }] = createResource(() => adminApi.users());
  const [settings, settingsActions] = createResource(() => adminApi.settings());
  const [invite, setInvite] = createSignal<Invite | null>(null);
  // The server refuses to demote, disable or delete the last active administrator.
  const { error, run } = useAction({ conflict: 'error.lastAdmin' });
  const replace = (next: User) => mutate((list = []) => list.map((u) => (u.id === next.id ? next : u)));
  const modes: SignupMode[] = ['open', 'invite', 'closed'];
  return (
    <div class="card">
      <h2>{t('admin.users')}</h2>
      <ErrorMessage message={error() ?? (users.error ? messageOf(users.error) : null)} />
      <table class="table">
        <tbody>
          <For each={users.latest}>
            {(user) => (
              <tr>
                <td>{user.displayName}</td>
                <td>{user.email}</td>
                <td>
                  <select
                    aria-label={t('admin.role')}
                    value={user.role}
                    onChange={(e) =>
                      void run(async () =>
                        replace(
                          await adminApi.updateUser(user.id, {
                            role: e.currentTarget.value === 'admin' ? 'admin' : 'member',
                          }),
                        ),
                      )
                    }
                  >
                    <option value="member">{roleLabel('member')}</option>
                    <option value="admin">{roleLabel('admin')}</option>
                  </select>
                </td>
                <td>
                  <button
                    type="button"
                    onClick={() =>
                      void run(async () =>
                        replace(await adminApi.updateUser(user.id, { disabled: !user.disabled })),
                      )
                    }
                  >
                    {user.disabled ? t('admin.enable') : t('admin.disable')}
                  </button>
                  <button
                    type="button"
                    class="danger"
                    onClick={() =>
                      confirm(t('admin.confirmDelete')) &&
                      void run(async () => {
                        await adminApi.deleteUser(user.id);
                        await refetch();
                      })
                    }
                  >
                    {t('admin.delete')}
                  </button>
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <h2>{t('admin.signupMode')}</h2>
      <div class="inline">
        <select
          aria-label={t('admin.signupMode')}
          value={settings.latest?.signupMode ?? 'invite'}
          onChange={(e) =>
            void run(async () =>
              settingsActions.mutate(await adminApi.setSignupMode(e.currentTarget.value as SignupMode)),
            )
          }
        >
          <For each={modes}>{(mode) => <option value={mode}>{t(`admin.mode.${mode}`)}</option>}</For>
        </select>
        <button type="button" onClick={() => void run(async () => setInvite(await adminApi.createInvite()))}>
          {t('admin.createInvite')}
        </button>
      </div>
      <Show when={invite()}>
        {(code) => (
          <p class="notice">
            {t('admin.inviteCode', { date: formatDate(code().expiresAt) })}{' '}
            <code class="secret">{code().code}</code>
          </p>
        )}
      </Show>
    </div>
  );
}

/** Megabytes per second as the admin types them (decimals allowed), bytes per second for the API. */
const MB = 1_000_000;
const toMb = (bytes: number) => String(Math.round((bytes / MB) * 100) / 100);
const toBytes = (text: string) => Math.max(0, Math.round(Number(text.replace(',', '.')) * MB) || 0);

function SpeedLimitsCard() {
  const [limits, { mutate }] = createResource(() => adminApi.speedLimits());
  const action = useAction();
  let down: HTMLInputElement | undefined;
  let up: HTMLInputElement | undefined;
  const save = (event: SubmitEvent) => {
    event.preventDefault();
    void action.run(async () => {
      mutate(
        await adminApi.setSpeedLimits({
          downloadLimit: toBytes(down?.value ?? '0'),
          uploadLimit: toBytes(up?.value ?? '0'),
        }),
      );
    }, t('admin.limitsSaved'));
  };
  const field = (label: string, value: number, testId: string, ref: (el: HTMLInputElement) => void) => (
    <label>
      {label}{' '}
      <input
        ref={ref}
        type="text"
        inputmode="decimal"
        pattern="[0-9]+([.,][0-9]+)?"
        value={toMb(value)}
        data-testid={testId}
      />
    </label>
  );
  return (
    <form class="card" onSubmit={save} data-testid="speed-limits">
      <h2>{t('admin.speedLimits')}</h2>
      <ErrorMessage message={limits.error ? messageOf(limits.error) : null} />
      <p class="muted">{t('admin.limitsHint')}</p>
      <div class="inline">
        {field(t('admin.downloadLimit'), limits.latest?.downloadLimit ?? 0, 'download-limit', (el) => {
          down = el;
        })}
        {field(t('admin.uploadLimit'), limits.latest?.uploadLimit ?? 0, 'upload-limit', (el) => {
          up = el;
        })}
      </div>
      <FormFooter action={action} label={t('settings.save')} testId="speed-limits-save" />
    </form>
  );
}

export default function Settings() {
  usePageTitle(() => t('settings.title'));
  return (
    <section class="page settings">
      <h1>{t('settings.title')}</h1>
      <Profile />
      <Password />
      <ApiKeys />
      <Show when={session.user()?.role === 'admin'}>
        <Admin />
        <SpeedLimitsCard />
      </Show>
    </section>
  );
}

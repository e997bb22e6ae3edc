import type {
  CreatedApiKey,
  DownloadClient,
  DownloadEngineName,
  ExternalClientName,
  Invite,
  SignupMode,
  User,
} from '@sokoul/contracts';
import { createEffect, createResource, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { adminApi } from '../api/admin.js';
import { authApi } from '../api/auth.js';
import { ErrorMessage, Field, FormFooter, messageOf, useAction } from '../components/Field.js';
import { formatDate, roleLabel, t } from '../i18n.js';
import {
  engineChoiceLabel,
  engineLabel,
  engineOptions,
  engineStateLabel,
  engines,
} from '../stores/engines.js';
import { session } from '../stores/session.js';
import { usePageTitle } from '../title.js';
import { PushCard } from './PushSettings.js';
import { ConfigCard } from './settings/ConfigCard.js';
import { IndexersCard } from './settings/Indexers.js';
import { OracleCard } from './settings/Oracle.js';
import { QualityProfilesCard } from './settings/QualityProfiles.js';
import { RealDebridCard } from './settings/RealDebrid.js';
import { TelegramBotCard } from './settings/TelegramBot.js';
import { TelegramCard } from './TelegramSettings.js';

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
      {/* Fields only once the stored limits came: arriving later, they would replace what was typed. */}
      <Show when={!limits.loading}>
        <div class="inline">
          {field(t('admin.downloadLimit'), limits.latest?.downloadLimit ?? 0, 'download-limit', (el) => {
            down = el;
          })}
          {field(t('admin.uploadLimit'), limits.latest?.uploadLimit ?? 0, 'upload-limit', (el) => {
            up = el;
          })}
        </div>
        <FormFooter action={action} label={t('settings.save')} testId="speed-limits-save" />
      </Show>
    </form>
  );
}

/** Every user's choice: the engine their downloads use, and whether a failed debrid one falls back. */
function DownloadPreferencesCard() {
  const [read] = createResource(() => engines.load());
  const [picked, setPicked] = createSignal<DownloadEngineName | null>(null);
  const [fallback, setFallback] = createSignal<boolean | null>(null);
  const action = useAction();
  const view = () => engines.current();
  const engine = () => picked() ?? view()?.preferences.engine ?? 'webtorrent';
  const gone = () => {
    const known = view();
    return known && !known.engines.some((e) => e.name === known.preferences.engine)
      ? known.preferences.engine
      : null;
  };
  const save = (event: SubmitEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await engines.setPreferences({
        engine: engine(),
        debridFallback: fallback() ?? view()?.preferences.debridFallback ?? true,
      });
      setPicked(null);
      setFallback(null);
    }, t('dlprefs.saved'));
  };
  return (
    <form class="card" onSubmit={save} data-testid="download-preferences">
      <h2>{t('dlprefs.title')}</h2>
      <ErrorMessage message={read.error ? messageOf(read.error) : null} />
      <Show when={view()}>
        {(known) => (
          <>
            <label class="field" for="defaultEngine">
              <span>{t('dlprefs.engine')}</span>
              <select
                id="defaultEngine"
                onChange={(e) => setPicked(e.currentTarget.value as DownloadEngineName)}
                data-testid="default-engine"
              >
                <For each={engineOptions(known())}>
                  {(info) => (
                    <option value={info.name} selected={info.name === engine()}>
                      {engineChoiceLabel(info)}
                    </option>
                  )}
                </For>
              </select>
            </label>
            <Show when={gone()}>
              {(name) => (
                <p class="notice" data-testid="default-engine-gone">
                  {t('dlprefs.gone', { engine: engineLabel(name()) })}
                </p>
              )}
            </Show>
            <p class="muted">{t('dlprefs.hint')}</p>
            <Show when={known().engines.some((e) => e.name === 'realdebrid')}>
              <label class="check">
                <input
                  type="checkbox"
                  checked={fallback() ?? known().preferences.debridFallback}
                  onChange={(e) => setFallback(e.currentTarget.checked)}
                  data-testid="debrid-fallback"
                />
                <span>{t('dlprefs.fallback')}</span>
              </label>
            </Show>
          </>
        )}
      </Show>
      <FormFooter
        action={action}
        label={t('settings.save')}
        testId="download-preferences-save"
        disabled={!view()}
      />
    </form>
  );
}

const CLIENTS: ExternalClientName[] = ['qbittorrent', 'transmission'];
/** A client just saved waits for torrent-node to read it again: its state is read soon, then now and then. */
const CLIENT_PENDING_MS = 1000;
const CLIENT_REFRESH_MS = 10_000;

/**
 * The external clients (admins): what Sokoul connects to, and whether it works. The forms keep what
 * was saved (not the periodic re-reads, which would overwrite what the admin is typing).
 */
function DownloadClientsCard() {
  const [list, { refetch, mutate }] = createResource(async () => (await adminApi.downloadClients()).clients);
  const [saved, setSaved] = createSignal<DownloadClient[] | null>(null);
  createEffect(
    on(
      () => list.latest,
      (clients) => {
        if (clients && saved() === null) setSaved(clients);
      },
    ),
  );
  createEffect(() => {
    const pending = (list.latest ?? []).some((c) => c.enabled && c.state === 'not_configured');
    const timer = setInterval(
      () => {
        void refetch();
        // The engines users may choose follow the clients.
        void engines.load().catch(() => undefined);
      },
      pending ? CLIENT_PENDING_MS : CLIENT_REFRESH_MS,
    );
    onCleanup(() => clearInterval(timer));
  });
  const changed = (clients: DownloadClient[]) => {
    mutate(clients);
    setSaved(clients);
    void engines.load().catch(() => undefined);
  };
  return (
    <div class="card" data-testid="download-clients">
      <h2>{t('clients.title')}</h2>
      <p class="muted">{t('clients.hint')}</p>
      <ErrorMessage message={list.error ? messageOf(list.error) : null} />
      <Show when={saved()}>
        {(stored) => (
          <For each={CLIENTS}>
            {(name) => (
              <ClientForm
                name={name}
                stored={stored().find((c) => c.name === name)}
                current={list.latest?.find((c) => c.name === name)}
                onChanged={changed}
              />
            )}
          </For>
        )}
      </Show>
    </div>
  );
}

function ClientForm(props: {
  name: ExternalClientName;
  stored: DownloadClient | undefined;
  current: DownloadClient | undefined;
  onChanged: (clients: DownloadClient[]) => void;
}) {
  const action = useAction();
  const id = (field: string) => `${props.name}-${field}`;
  const label = () => engineLabel(props.name);
  const save = (event: SubmitEvent) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const text = (field: string) => String(form.get(field) ?? '').trim();
    const password = String(form.get('password') ?? '');
    void action.run(
      async () => {
        const { clients } = await adminApi.setDownloadClient(props.name, {
          url: text('url'),
          username: text('username'),
          // Empty: the stored password stays (it is never sent back to be shown).
          ...(password ? { password } : {}),
          category: text('category') || 'sokoul',
          remotePath: text('remotePath'),
          localPath: text('localPath'),
          enabled: form.get('enabled') === 'on',
        });
        props.onChanged(clients);
        const field = element.elements.namedItem('password');
        if (field instanceof HTMLInputElement) field.value = '';
      },
      t('clients.saved', { engine: label() }),
    );
  };
  const remove = () => {
    if (!confirm(t('clients.confirmRemove', { engine: label() }))) return;
    void action.run(
      async () => {
        await adminApi.removeDownloadClient(props.name);
        props.onChanged((await adminApi.downloadClients()).clients);
      },
      t('clients.removed', { engine: label() }),
    );
  };
  const state = () => props.current ?? props.stored;
  return (
    <form class="client-form" onSubmit={save} data-testid="download-client" data-client={props.name}>
      <h3>{label()}</h3>
      <p class="client-state" data-testid="client-state" data-state={state()?.state ?? 'none'}>
        <Show when={state()} fallback={<span class="muted">{t('clients.notSet')}</span>}>
          {(client) => (
            <>
              {/* torrent-node's detail is technical English: a tooltip, not text of the page. */}
              <span
                class={`badge ${client().state === 'ok' ? 'done' : client().enabled ? 'failed' : ''}`}
                title={client().message ?? undefined}
              >
                {client().enabled
                  ? t('clients.state', { state: engineStateLabel(client().state) })
                  : t('clients.disabled')}
              </span>
            </>
          )}
        </Show>
      </p>
      <div class="client-fields">
        <Field
          id={id('url')}
          name="url"
          type="url"
          label={t('clients.url')}
          placeholder={props.name === 'qbittorrent' ? 'http://qbittorrent:8080' : 'http://transmission:9091'}
          value={props.stored?.url ?? ''}
          required
        />
        <Field
          id={id('username')}
          name="username"
          label={t('clients.username')}
          autocomplete="off"
          value={props.stored?.username ?? ''}
        />
        <Field
          id={id('password')}
          name="password"
          type="password"
          label={t('clients.password')}
          autocomplete="new-password"
          placeholder={props.stored?.hasPassword ? t('clients.unchanged') : ''}
        />
        <Field
          id={id('category')}
          name="category"
          label={t(props.name === 'qbittorrent' ? 'clients.category' : 'clients.label')}
          value={props.stored?.category ?? 'sokoul'}
          maxLength={100}
        />
        <Field
          id={id('remotePath')}
          name="remotePath"
          label={t('clients.remotePath')}
          placeholder="/downloads"
          value={props.stored?.remotePath ?? ''}
          required
        />
        <Field
          id={id('localPath')}
          name="localPath"
          label={t('clients.localPath')}
          value={props.stored?.localPath ?? ''}
          required
        />
      </div>
      <label class="check">
        <input type="checkbox" name="enabled" checked={props.stored?.enabled ?? true} />
        <span>{t('clients.enabled')}</span>
      </label>
      <div class="inline">
        <FormFooter action={action} label={t('settings.save')} testId="client-save" />
        <Show when={props.stored}>
          <button type="button" class="danger" onClick={remove} data-testid="client-remove">
            {t('clients.remove')}
          </button>
        </Show>
      </div>
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
      <DownloadPreferencesCard />
      <TelegramCard />
      <PushCard />
      <Show when={session.user()?.role === 'admin'}>
        <Admin />
        <SpeedLimitsCard />
        <DownloadClientsCard />
        <RealDebridCard />
        <IndexersCard />
        <ConfigCard section="indexers" />
        <QualityProfilesCard />
        <ConfigCard section="tmdb" />
        <ConfigCard section="downloads" />
        <ConfigCard section="subtitles" />
        <TelegramBotCard />
        <OracleCard />
        <ConfigCard section="alerts" />
        <ConfigCard section="maintenance" />
      </Show>
    </section>
  );
}

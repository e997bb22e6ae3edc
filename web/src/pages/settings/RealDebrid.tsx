import type { RealDebridAccount } from '@sokoul/contracts';
import { createSignal, Show } from 'solid-js';
import { realDebridApi } from '../../api/realdebrid.js';
import { ErrorMessage, useAction } from '../../components/Field.js';
import { formatDate, t } from '../../i18n.js';
import { ConfigCard } from './ConfigCard.js';

/** The account state in words: who, premium until when, or what is wrong. */
function AccountState(props: { account: RealDebridAccount }) {
  const a = () => props.account;
  return (
    <div data-testid="realdebrid-account" data-state={a().state}>
      <Show
        when={a().state === 'ok'}
        fallback={
          <p class={a().state === 'not_configured' ? 'muted' : 'error'}>
            {a().configured && a().type !== null && a().type !== 'premium'
              ? t('realDebrid.notPremium')
              : t(
                  a().state === 'not_configured'
                    ? 'realDebrid.notConfigured'
                    : a().state === 'unauthorized'
                      ? 'realDebrid.unauthorized'
                      : a().state === 'unreachable'
                        ? 'realDebrid.unreachable'
                        : 'realDebrid.error',
                )}
            <Show when={a().error}>{(error) => <span class="muted"> ({error()})</span>}</Show>
          </p>
        }
      >
        <p class="success">
          {t('realDebrid.user', { name: a().username ?? '' })}
          {' · '}
          {a().premiumUntil
            ? t('realDebrid.premiumUntil', { date: formatDate(a().premiumUntil ?? '') })
            : t('realDebrid.premium')}
        </p>
      </Show>
    </div>
  );
}

/**
 * Real-Debrid (admins): the key, write-only with its source, and "test connection", which asks
 * Real-Debrid (through torrent-node, which holds the key) for the account.
 */
export function RealDebridCard() {
  const [account, setAccount] = createSignal<RealDebridAccount | null>(null);
  const action = useAction();
  const test = () => void action.run(async () => setAccount(await realDebridApi.account()));
  return (
    <>
      <ConfigCard section="realDebrid" />
      <div class="card config-test">
        <button type="button" onClick={test} disabled={action.busy()} data-testid="realdebrid-test">
          {action.busy() ? t('realDebrid.testing') : t('realDebrid.test')}
        </button>
        <ErrorMessage message={action.error()} />
        <Show when={account()}>{(a) => <AccountState account={a()} />}</Show>
      </div>
    </>
  );
}

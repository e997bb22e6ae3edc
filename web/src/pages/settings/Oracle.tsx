import type { OracleTestReply } from '@sokoul/contracts';
import { createSignal, Show } from 'solid-js';
import { settingsApi } from '../../api/settings.js';
import { ErrorMessage, useAction } from '../../components/Field.js';
import { formatNumber, t } from '../../i18n.js';
import { ConfigCard } from './ConfigCard.js';

/** The test's answer in words: how fast, or what is wrong (the English detail beside it). */
function TestState(props: { reply: OracleTestReply }) {
  const r = () => props.reply;
  const params = () => ({ ms: formatNumber(r().latencyMs), timeout: formatNumber(r().timeoutMs) });
  return (
    <div data-testid="oracle-test-result" data-state={r().state}>
      <p class={r().ok ? 'success' : r().state === 'not_configured' ? 'muted' : 'error'}>
        {t(`oracle.${r().state}`, params())}
        <Show when={!r().ok && r().state !== 'not_configured' && r().error}>
          {(error) => <span class="muted"> ({error()})</span>}
        </Show>
      </p>
      <Show when={r().state !== 'not_configured' && !r().enabled}>
        <p class="muted">{t('oracle.disabled')}</p>
      </Show>
    </div>
  );
}

/**
 * Oracle (admins): its endpoint and switch with their sources, and "test", which has torrent-node
 * call the LLM once at the endpoint it applies now (a saved change first reaches it).
 */
export function OracleCard() {
  const [reply, setReply] = createSignal<OracleTestReply | null>(null);
  const action = useAction();
  const test = () => void action.run(async () => setReply(await settingsApi.testOracle()));
  return (
    <>
      <ConfigCard section="oracle" />
      <div class="card config-test">
        <button type="button" onClick={test} disabled={action.busy()} data-testid="oracle-test">
          {action.busy() ? t('oracle.testing') : t('oracle.test')}
        </button>
        <ErrorMessage message={action.error()} />
        <Show when={reply()}>{(r) => <TestState reply={r()} />}</Show>
      </div>
    </>
  );
}

import type { Indexer, IndexerTestReply } from '@sokoul/contracts';
import { createResource, createSignal, For, Show } from 'solid-js';
import { settingsApi } from '../../api/settings.js';
import { ErrorMessage, Field, FormFooter, messageOf, useAction } from '../../components/Field.js';
import { formatDate, t, tn } from '../../i18n.js';

/** An indexer's last test, as torrent-node saw it (its error text is technical English: a tooltip). */
function TestOutcome(props: { reply: IndexerTestReply | undefined; name: string }) {
  const result = () => props.reply?.results.find((r) => r.name === props.name);
  const problem = () => props.reply?.errors.find((e) => e.includes(props.name));
  return (
    <Show when={props.reply}>
      <Show
        when={result()}
        fallback={
          <span class="badge failed" title={problem()} data-testid="indexer-test" data-ok="false">
            {t('indexers.testNotAsked')}
          </span>
        }
      >
        {(r) => (
          <span
            class={`badge ${r().ok ? 'done' : 'failed'}`}
            title={r().error}
            data-testid="indexer-test"
            data-ok={String(r().ok)}
          >
            {r().ok ? tn('indexers.testOk', r().categories) : t('indexers.testFailed')}
          </span>
        )}
      </Show>
    </Show>
  );
}

function IndexerRow(props: { indexer: Indexer; onChanged: () => void }) {
  const action = useAction();
  const [tested, setTested] = createSignal<IndexerTestReply>();
  const update = (changes: { enabled?: boolean; useFlareSolverr?: boolean; useProxy?: boolean }) =>
    void action.run(async () => {
      await settingsApi.updateIndexer(props.indexer.id, changes);
      props.onChanged();
    });
  const remove = () => {
    if (!confirm(t('indexers.confirmRemove', { name: props.indexer.name }))) return;
    void action.run(async () => {
      await settingsApi.deleteIndexer(props.indexer.id);
      props.onChanged();
    });
  };
  const test = () =>
    void action.run(async () => setTested(await settingsApi.testIndexers(props.indexer.name)));
  return (
    <tr data-testid="indexer-row" data-name={props.indexer.name}>
      <td>
        <strong>{props.indexer.name}</strong>
        <div class="muted indexer-meta">{props.indexer.url}</div>
        <div class="muted indexer-meta">
          {props.indexer.hasApiKey ? t('indexers.hasKey') : t('indexers.noKey')} ·{' '}
          {t('indexers.added', { date: formatDate(props.indexer.createdAt) })}
        </div>
      </td>
      <td>
        <label class="check">
          <input
            type="checkbox"
            checked={props.indexer.enabled}
            onChange={(e) => update({ enabled: e.currentTarget.checked })}
            data-testid="indexer-enabled"
          />
          <span>{t('indexers.enabled')}</span>
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={props.indexer.useFlareSolverr}
            onChange={(e) => update({ useFlareSolverr: e.currentTarget.checked })}
            data-testid="indexer-flaresolverr"
          />
          <span>{t('indexers.flareSolverr')}</span>
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={props.indexer.useProxy}
            onChange={(e) => update({ useProxy: e.currentTarget.checked })}
            data-testid="indexer-proxy"
          />
          <span>{t('indexers.proxy')}</span>
        </label>
      </td>
      <td class="actions">
        <button type="button" onClick={test} disabled={action.busy()} data-testid="indexer-test-button">
          {t('indexers.test')}
        </button>
        <button
          type="button"
          class="danger"
          onClick={remove}
          disabled={action.busy()}
          data-testid="indexer-remove"
        >
          {t('indexers.remove')}
        </button>
        <TestOutcome reply={tested()} name={props.indexer.name} />
        <ErrorMessage message={action.error()} />
      </td>
    </tr>
  );
}

/**
 * The Torznab indexers an admin added (beside Jackett's and Prowlarr's from the settings below):
 * add, test through torrent-node, enable, FlareSolverr, the proxy (INDEXER_PROXY_URL) or not.
 * Searches use a change at once.
 */
export function IndexersCard() {
  const [list, { refetch }] = createResource(() => settingsApi.indexers());
  const add = useAction({ conflict: 'indexers.duplicate' });
  const all = useAction();
  const [tested, setTested] = createSignal<IndexerTestReply>();
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const apiKey = String(form.get('apiKey') ?? '').trim();
    void add.run(async () => {
      await settingsApi.createIndexer({
        name: String(form.get('name') ?? '').trim(),
        url: String(form.get('url') ?? '').trim(),
        ...(apiKey ? { apiKey } : {}),
        enabled: true,
        useFlareSolverr: form.get('useFlareSolverr') === 'on',
        useProxy: form.get('useProxy') === 'on',
      });
      element.reset();
      await refetch();
    }, t('indexers.addedDone'));
  };
  return (
    <div class="card" data-testid="indexers">
      <h2>{t('indexers.title')}</h2>
      <p class="muted">{t('indexers.hint')}</p>
      <ErrorMessage message={list.error ? messageOf(list.error) : null} />
      <Show when={list.latest}>
        {(indexers) => (
          <Show when={indexers().length > 0} fallback={<p class="muted">{t('indexers.none')}</p>}>
            <table class="table indexers-table">
              <tbody>
                <For each={indexers()}>
                  {(indexer) => <IndexerRow indexer={indexer} onChanged={() => void refetch()} />}
                </For>
              </tbody>
            </table>
          </Show>
        )}
      </Show>
      <div class="inline">
        <button
          type="button"
          onClick={() => void all.run(async () => setTested(await settingsApi.testIndexers()))}
          disabled={all.busy()}
          data-testid="indexers-test-all"
        >
          {t('indexers.testAll')}
        </button>
        <ErrorMessage message={all.error()} />
      </div>
      <Show when={tested()}>
        {(reply) => (
          <ul class="indexer-tests" data-testid="indexers-tested">
            <For each={reply().results}>
              {(r) => (
                <li>
                  {r.name} <TestOutcome reply={reply()} name={r.name} />
                </li>
              )}
            </For>
            <Show when={reply().results.length === 0}>
              <li class="muted">{t('indexers.noneToTest')}</li>
            </Show>
          </ul>
        )}
      </Show>
      <form class="indexer-add" onSubmit={submit} data-testid="indexer-add">
        <h3>{t('indexers.add')}</h3>
        <div class="client-fields">
          <Field id="indexerName" name="name" label={t('indexers.name')} maxLength={100} required />
          <Field
            id="indexerUrl"
            name="url"
            type="url"
            label={t('indexers.url')}
            placeholder="https://tracker.example/api"
            required
          />
          <Field
            id="indexerKey"
            name="apiKey"
            type="password"
            label={t('indexers.apiKey')}
            autocomplete="new-password"
          />
        </div>
        <label class="check">
          <input type="checkbox" name="useFlareSolverr" />
          <span>{t('indexers.flareSolverr')}</span>
        </label>
        <label class="check">
          <input type="checkbox" name="useProxy" checked />
          <span>{t('indexers.proxy')}</span>
        </label>
        <FormFooter action={add} label={t('indexers.addButton')} testId="indexer-add-save" />
      </form>
    </div>
  );
}

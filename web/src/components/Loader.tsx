import type { JSX, Resource } from 'solid-js';
import { Match, Switch } from 'solid-js';
import { ApiError } from '../api/client.js';
import { t } from '../i18n.js';
import { messageOf } from './Field.js';

/** The error state every catalog page shares: TMDB not set up, or a message with a retry. */
export function LoadError(props: { error: unknown; retry: () => void }) {
  const notConfigured = () => props.error instanceof ApiError && props.error.code === 'not_configured';
  return (
    <Switch>
      <Match when={notConfigured()}>
        <p class="notice" role="status" data-testid="tmdb-not-configured">
          {t('catalog.notConfigured')}
        </p>
      </Match>
      <Match when={!notConfigured()}>
        <div class="load-error" role="alert">
          <p class="error">{messageOf(props.error)}</p>
          <button type="button" onClick={() => props.retry()}>
            {t('common.retry')}
          </button>
        </div>
      </Match>
    </Switch>
  );
}

/** Loading, error and ready states of one resource. */
export function Loader<T>(props: {
  resource: Resource<T>;
  retry: () => void;
  loading: JSX.Element;
  children: (value: T) => JSX.Element;
}) {
  return (
    <Switch fallback={props.loading}>
      <Match when={props.resource.state === 'errored'}>
        <LoadError error={props.resource.error} retry={props.retry} />
      </Match>
      {/* Keyed: a new answer (another language, another id) renders anew. */}
      <Match
        when={
          props.resource.state === 'ready' || props.resource.state === 'refreshing'
            ? props.resource.latest
            : undefined
        }
        keyed
      >
        {(value) => props.children(value)}
      </Match>
    </Switch>
  );
}

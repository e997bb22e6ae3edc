import { createResource, createSignal, For, Show } from 'solid-js';
import { tasksApi } from '../api/tasks.js';
import { ErrorMessage, messageOf } from '../components/Field.js';
import { taskOutcome, taskTitle } from '../describe.js';
import { formatDate, type MessageKey, t } from '../i18n.js';
import { session } from '../stores/session.js';
import { tasks } from '../stores/tasks.js';
import { usePageTitle } from '../title.js';

const ACTIVE = ['pending', 'running'];

export default function Tasks() {
  usePageTitle(() => t('tasks.title'));
  // The store keeps the rows up to date from the live socket, including tasks started elsewhere
  // (another tab, the bot); this only reads the latest ones once.
  const [loaded, { refetch }] = createResource(() => tasks.load().then(() => true));
  const [error, setError] = createSignal<string | null>(null);

  const start = async (type: Parameters<typeof tasksApi.create>[0]) => {
    setError(null);
    try {
      tasks.upsert(await tasksApi.create(type));
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const cancel = async (id: string) => {
    try {
      tasks.upsert(await tasksApi.cancel(id));
    } catch (e) {
      setError(messageOf(e, { conflict: 'error.taskFinished' }));
    }
  };

  return (
    <section class="page">
      <div class="page-head">
        <h1>{t('tasks.title')}</h1>
        <div class="actions">
          {/* Both tell or change things about the host: administrators only, as the API enforces. */}
          <Show when={session.user()?.role === 'admin'}>
            <button
              type="button"
              class="primary"
              data-testid="task-start-system-report"
              onClick={() => void start('system.report')}
            >
              {t('tasks.systemReport')}
            </button>
            <button type="button" onClick={() => void start('maintenance.cleanup')}>
              {t('tasks.cleanup')}
            </button>
          </Show>
        </div>
      </div>
      <ErrorMessage message={error()} />
      <Show
        when={!loaded.error}
        fallback={
          <p class="error">
            {messageOf(loaded.error)}{' '}
            <button type="button" onClick={() => void refetch()}>
              {t('common.retry')}
            </button>
          </p>
        }
      >
        <Show when={loaded.latest} fallback={<p class="muted">{t('app.loading')}</p>}>
          <Show when={tasks.list().length > 0} fallback={<p class="muted">{t('tasks.empty')}</p>}>
            <table class="table">
              <thead>
                <tr>
                  <th>{t('tasks.type')}</th>
                  <th>{t('tasks.status')}</th>
                  <th>{t('tasks.progress')}</th>
                  <th>{t('tasks.created')}</th>
                  <th>{t('tasks.outcome')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                <For each={tasks.list()}>
                  {(task) => (
                    <tr data-testid="task-row" data-type={task.type} data-status={task.status}>
                      <td data-testid="task-title">{taskTitle(task)}</td>
                      <td>
                        <span class={`badge ${task.status}`}>{t(`status.${task.status}` as MessageKey)}</span>
                      </td>
                      <td>
                        <progress max="1" value={task.progress} aria-label={t('tasks.progress')} />
                      </td>
                      <td>{formatDate(task.createdAt)}</td>
                      <td class="outcome" data-testid="task-outcome">
                        {taskOutcome(task)}
                      </td>
                      <td>
                        <Show when={ACTIVE.includes(task.status)}>
                          <button type="button" onClick={() => void cancel(task.id)}>
                            {t('tasks.cancel')}
                          </button>
                        </Show>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </Show>
        </Show>
      </Show>
    </section>
  );
}

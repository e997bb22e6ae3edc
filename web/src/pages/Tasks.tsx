import type { Task, TaskType } from '@sokoul/contracts';
import { createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { tasksApi } from '../api/tasks.js';
import { ErrorMessage, messageOf } from '../components/Field.js';
import { formatDate, type MessageKey, t } from '../i18n.js';
import { live } from '../stores/live.js';
import { session } from '../stores/session.js';

const ACTIVE = ['pending', 'running'];

function outcome(task: Task): string {
  if (task.error) return task.error;
  if (task.result && typeof task.result === 'object') return JSON.stringify(task.result).slice(0, 160);
  return task.message ?? '';
}

export default function Tasks() {
  const [list, { mutate, refetch }] = createResource(async () => (await tasksApi.list()).tasks);
  const [error, setError] = createSignal<string | null>(null);

  // Live updates replace the row in place, or add a task started elsewhere (another tab, the bot).
  // Events may overtake the HTTP response that created the task: the newer version wins.
  const upsert = (task: Task) =>
    mutate((current = []) => {
      const index = current.findIndex((t) => t.id === task.id);
      if (index === -1) return [task, ...current];
      const existing = current[index];
      if (existing && existing.updatedAt > task.updatedAt) return current;
      const next = [...current];
      next[index] = task;
      return next;
    });
  onCleanup(live.subscribe((event) => event.type === 'task.updated' && upsert(event.data.task)));
  onCleanup(live.onResync(() => void refetch()));

  const start = async (type: TaskType) => {
    setError(null);
    try {
      upsert(await tasksApi.create(type));
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const cancel = async (id: string) => {
    try {
      upsert(await tasksApi.cancel(id));
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <section class="page">
      <div class="page-head">
        <h1>{t('tasks.title')}</h1>
        <div class="actions">
          <button
            type="button"
            class="primary"
            data-testid="task-start-system-report"
            onClick={() => void start('system.report')}
          >
            {t('tasks.systemReport')}
          </button>
          <Show when={session.user()?.role === 'admin'}>
            <button type="button" onClick={() => void start('maintenance.cleanup')}>
              {t('tasks.cleanup')}
            </button>
          </Show>
        </div>
      </div>
      <ErrorMessage message={error()} />
      <Show
        when={!list.error}
        fallback={
          <p class="error">
            {messageOf(list.error)}{' '}
            <button type="button" onClick={() => void refetch()}>
              {t('common.retry')}
            </button>
          </p>
        }
      >
        <Show when={!list.loading || list.latest} fallback={<p class="muted">{t('app.loading')}</p>}>
          <Show when={(list.latest ?? []).length > 0} fallback={<p class="muted">{t('tasks.empty')}</p>}>
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
                <For each={list.latest}>
                  {(task) => (
                    <tr data-testid="task-row" data-status={task.status}>
                      <td>{task.type}</td>
                      <td>
                        <span class={`badge ${task.status}`}>{t(`status.${task.status}` as MessageKey)}</span>
                      </td>
                      <td>
                        <progress max="1" value={task.progress} aria-label={t('tasks.progress')} />
                      </td>
                      <td>{formatDate(task.createdAt)}</td>
                      <td class="outcome">{outcome(task)}</td>
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

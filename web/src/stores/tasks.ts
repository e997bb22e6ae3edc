import type { Task } from '@sokoul/contracts';
import { createSignal } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { tasksApi } from '../api/tasks.js';
import { live } from './live.js';

/**
 * The user's tasks as the live socket reports them (`task.updated`), for the tasks page and
 * whatever follows one task (the releases panel). Nothing polls: after a reconnect, or when the
 * server could not replay what was missed, the list and the followed tasks are read again; when the
 * socket first joins, the followed tasks (one may have ended before it could hear).
 */
const [byId, setById] = createStore<Record<string, Task>>({});
const [listed, setListed] = createSignal(false);
const followed = new Map<string, number>();

const FINAL = new Set<Task['status']>(['done', 'failed', 'cancelled']);

/**
 * Events may overtake the HTTP answer that created a task, or a resync: the newer version wins, and
 * a finished task (with its result) is never replaced by an unfinished copy stamped the same
 * millisecond.
 */
function upsert(task: Task): void {
  const known = byId[task.id];
  if (known && known.updatedAt > task.updatedAt) return;
  if (known && FINAL.has(known.status) && !FINAL.has(task.status)) return;
  setById(task.id, reconcile(task));
}

async function load(): Promise<void> {
  const { tasks } = await tasksApi.list();
  for (const task of tasks) upsert(task);
  setListed(true);
}

let resyncing: Promise<void> | null = null;

const readFollowed = () => [...followed.keys()].map((id) => tasksApi.get(id).then(upsert));

/** A reconnect and the server's own resync often come together: they share one read. */
function resync(): Promise<void> {
  resyncing ??= (async () => {
    const reads: Promise<unknown>[] = readFollowed();
    if (listed()) reads.push(load());
    // A failed read leaves the last known state; the next reconnect tries again.
    await Promise.allSettled(reads);
  })().finally(() => {
    resyncing = null;
  });
  return resyncing;
}

live.subscribe((event) => {
  if (event.type === 'task.updated') upsert(event.data.task);
});
live.onResync(() => void resync());
// A failed read leaves the last known state, as in a resync.
live.onJoin(() => void Promise.allSettled(readFollowed()));

export const tasks = {
  /** Newest first. */
  list: (): Task[] => Object.values(byId).sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
  get: (id: string): Task | undefined => byId[id],
  /** Reads the latest tasks (the page's first view, or "retry"); later changes arrive live. */
  load,
  upsert,
  /** Forgets everything (sign-out: the next account must not see these). */
  reset(): void {
    setById(reconcile({}));
    setListed(false);
    followed.clear();
  },
  /** Keeps one task up to date across reconnects until the returned function is called. */
  follow(task: Task): () => void {
    upsert(task);
    followed.set(task.id, (followed.get(task.id) ?? 0) + 1);
    return () => {
      const count = (followed.get(task.id) ?? 1) - 1;
      if (count > 0) followed.set(task.id, count);
      else followed.delete(task.id);
    };
  },
};

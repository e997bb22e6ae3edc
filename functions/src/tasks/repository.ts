/** The `tasks` table is shared with torrent-node: its SQL lives in @sokoul/db. */
export { cancelTask, failPendingTask as failTask, findTask, insertTask, listTasks } from '@sokoul/db';

import { z } from 'zod';
import { EngineState } from './downloads.js';

/**
 * The Real-Debrid account as torrent-node's key sees it (Settings' "test connection"): its /user
 * answer, or why there is none. torrent-node asks: it holds the key, and the API never sees it.
 */
export const RealDebridAccount = z.object({
  /** A key is set (stored or in torrent-node's environment). */
  configured: z.boolean(),
  /** `ok` with an account; `unauthorized` (a bad key, a locked account), `unreachable`, `error`… */
  state: EngineState,
  username: z.string().nullable(),
  /** Real-Debrid's account type: `premium` or `free`. */
  type: z.string().nullable(),
  /** When the premium ends (ISO 8601), if Real-Debrid said. */
  premiumUntil: z.string().nullable(),
  /** What went wrong, in English, for admins. */
  error: z.string().nullable(),
});
export type RealDebridAccount = z.infer<typeof RealDebridAccount>;

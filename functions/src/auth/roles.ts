import type { Principal } from '../context.js';
import { forbidden } from '../errors.js';

/** Services check roles themselves, so every client (API, Telegram bot) gets the same rules. */
export function assertAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw forbidden('This needs an administrator account');
}

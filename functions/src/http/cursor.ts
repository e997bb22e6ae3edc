import { ApiError } from './errors.js';

/**
 * Keyset pagination cursors: the last row's sort value and id, opaque to clients (base64url JSON).
 * A cursor that does not decode is the client's mistake: 400, never a silent first page.
 */
export function encodeCursor(sortValue: string | number, id: string): string {
  return Buffer.from(JSON.stringify([sortValue, id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): [string | number, string] | null {
  if (cursor === undefined) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      (typeof value[0] === 'string' || typeof value[0] === 'number') &&
      typeof value[1] === 'string' &&
      /^[0-9a-f-]{36}$/.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // Falls through to the error below.
  }
  throw new ApiError(400, 'validation_failed', 'Invalid query: cursor is not one this API gave out');
}

import { z } from 'zod';
import { INT32_MAX, INT32_MIN, isTimestamp, textIssue } from './values.js';

/**
 * Keyset pagination cursors: the last row's sort value and id, opaque to clients (base64url JSON).
 * Parsing one that this API did not give out is a validation error (400), never a silent first
 * page and never a query: the id must be a UUID and the sort value of the type the list sorts on,
 * checked here, before anything reaches the database.
 */
export function encodeCursor(sortValue: string | number, id: string): string {
  const bytes = new TextEncoder().encode(JSON.stringify([sortValue, id]));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

/** A decoded cursor: the sort value of the last row given, and its id. */
export type Cursor = [string | number, string];

/**
 * What a list sorts on, hence what its cursors carry: a timestamp with its microseconds (as
 * PostgreSQL keeps it: a cursor rounded to milliseconds would skip rows), a text, an integer, or a
 * relevance score between 0 and 1.
 */
export type CursorKind = 'timestamp' | 'text' | 'int' | 'real';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Longer than any title's cursor (titles are at most 500 characters). */
const MAX_CURSOR_LENGTH = 8192;
const MAX_TEXT_VALUE = 4000;

function decodeCursor(cursor: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]*$/.test(cursor)) return null;
  try {
    const binary = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
    const value: unknown = JSON.parse(
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
        Uint8Array.from(binary, (c) => c.charCodeAt(0)),
      ),
    );
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      (typeof value[0] === 'string' || (typeof value[0] === 'number' && Number.isFinite(value[0]))) &&
      typeof value[1] === 'string' &&
      UUID.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // Not base64, not UTF-8 or not JSON: reported below.
  }
  return null;
}

/** Why a decoded cursor cannot continue a list sorted on `kind`, or null when it can. */
export function cursorIssue(cursor: Cursor | undefined, kind: CursorKind): string | null {
  if (cursor === undefined) return null;
  const [value] = cursor;
  const fits =
    kind === 'timestamp'
      ? typeof value === 'string' && isTimestamp(value)
      : kind === 'text'
        ? typeof value === 'string' && value.length <= MAX_TEXT_VALUE && textIssue(value) === null
        : kind === 'int'
          ? Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX
          : typeof value === 'number' && value >= 0 && value <= 1;
  return fits ? null : `is not one this API gave out for this list and sort (${kind} expected)`;
}

/**
 * Any cursor this API gives out, for lists whose sort is chosen by another field: the query's
 * schema then checks the sort value with `cursorIssue` (see `ListMediaQuery`).
 */
export const PageCursor = z
  .string()
  .max(MAX_CURSOR_LENGTH)
  .transform((value, ctx) => {
    const decoded = decodeCursor(value);
    if (!decoded) {
      ctx.addIssue({ code: 'custom', message: 'is not one this API gave out' });
      return z.NEVER;
    }
    return decoded;
  });

/** The cursor of a list with one sort. */
export const pageCursor = (kind: CursorKind) =>
  PageCursor.transform((cursor, ctx) => {
    const issue = cursorIssue(cursor, kind);
    if (issue) {
      ctx.addIssue({ code: 'custom', message: issue });
      return z.NEVER;
    }
    return cursor;
  });

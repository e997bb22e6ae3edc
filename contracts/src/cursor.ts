import { z } from 'zod';

/**
 * Keyset pagination cursors: the last row's sort value and id, opaque to clients (base64url JSON).
 * Parsing one that this API did not give out is a validation error, never a silent first page.
 */
export function encodeCursor(sortValue: string | number, id: string): string {
  const bytes = new TextEncoder().encode(JSON.stringify([sortValue, id]));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

function decodeCursor(cursor: string): [string | number, string] | null {
  try {
    const binary = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
    const value: unknown = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))),
    );
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
    // Not base64 or not JSON: reported below.
  }
  return null;
}

export const PageCursor = z
  .string()
  .max(300)
  .transform((value, ctx) => {
    const decoded = decodeCursor(value);
    if (!decoded) {
      ctx.addIssue({ code: 'custom', message: 'is not one this API gave out' });
      return z.NEVER;
    }
    return decoded;
  });

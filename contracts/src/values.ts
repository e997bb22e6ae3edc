import { z } from 'zod';

/**
 * The building blocks of every input that reaches PostgreSQL. PostgreSQL refuses what these refuse
 * (with a 500 the client could not act on), so they are checked at the edge, with a 400 naming the
 * field: text without NUL bytes or lone UTF-16 surrogates (not Unicode: they cannot be stored as
 * UTF-8), integers within the column types' ranges, timestamps PostgreSQL can hold.
 */

export const INT32_MIN = -2_147_483_648;
export const INT32_MAX = 2_147_483_647;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored as PostgreSQL text, or null when it can. */
export function textIssue(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode (it has a lone surrogate)';
  return null;
}

/** A string PostgreSQL can store: chain `.trim()`, `.min()`, `.max()` and the like on it. */
export const Text = z.string().superRefine((value, ctx) => {
  const issue = textIssue(value);
  if (issue) ctx.addIssue({ code: 'custom', message: issue });
});

/** An `integer` column. */
export const Int32 = z.number().int().min(INT32_MIN).max(INT32_MAX);
/** An `integer` column that counts from zero (durations, sizes of small things). */
export const NonNegativeInt32 = z.number().int().min(0).max(INT32_MAX);
/** A positive `integer` (TMDB ids, counts from one). */
export const PositiveInt32 = z.number().int().min(1).max(INT32_MAX);
/** A `bigint` counted from zero (byte sizes): JavaScript keeps integers exact up to 2^53. */
export const NonNegativeSafeInt = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The same, read from a query string or a path segment (digits only: no `1e3`, `0x10` or blanks). */
const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d{1,12}$/, 'expected an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
export const QueryInt32 = queryInt(INT32_MIN, INT32_MAX);
export const QueryNonNegativeInt32 = queryInt(0, INT32_MAX);
export const QueryPositiveInt32 = queryInt(1, INT32_MAX);

/**
 * A point in time PostgreSQL's `timestamptz` stores exactly: ISO 8601 with a real calendar date
 * (no February 30th), years 1 to 9999, at most microseconds, `Z` or an offset.
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-](\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isTimestamp(value: string): boolean {
  const m = TIMESTAMP.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (year < 1 || days === undefined || day < 1 || day > days) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[9] !== undefined && (Number(m[9]) > 15 || Number(m[10]) > 59)) return false;
  return true;
}

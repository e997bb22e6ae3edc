import { parseRetryAfter } from '@sokoul/contracts';
import { describe, expect, it } from 'vitest';

const now = Date.UTC(2025, 9, 21, 7, 28, 0);

describe('Retry-After', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads the three HTTP-date forms, in seconds from now rounded up', () => {
    expect(parseRetryAfter('Tue, 21 Oct 2025 07:30:00 GMT', now)).toBe(120);
    expect(parseRetryAfter('Tuesday, 21-Oct-25 07:30:00 GMT', now)).toBe(120);
    expect(parseRetryAfter('Tue Oct 21 07:30:00 2025', now)).toBe(120);
    expect(parseRetryAfter('Tue Oct  1 07:30:00 2025', now)).toBe(0);
    expect(parseRetryAfter('Tue, 21 Oct 2025 07:28:00 GMT', now + 500)).toBe(0);
    expect(parseRetryAfter('Tue, 21 Oct 2025 07:28:01 GMT', now + 500)).toBe(1);
  });

  it('gives 0 for a date already past', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now)).toBe(0);
    // RFC 850's two-digit year is taken in the past century when it would be over 50 years ahead.
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(0);
    expect(parseRetryAfter('Friday, 21-Oct-50 07:28:00 GMT', now)).toBeGreaterThan(0);
  });

  it('gives null for absent or unreadable values', () => {
    for (const value of [
      null,
      undefined,
      '',
      '   ',
      '-5',
      '1.5',
      '10s',
      'soon',
      '2025-10-21T07:30:00Z',
      'Tue, 21 Oct 2025 07:30:00',
      'Tue, 21 Oct 2025 07:30:00 UTC',
      'Tue, 31 Feb 2025 07:30:00 GMT',
      'Tue, 21 Oct 2025 25:00:00 GMT',
      'Tue, 21 Foo 2025 07:30:00 GMT',
      '21 Oct 2025 07:30:00 GMT',
    ]) {
      expect(parseRetryAfter(value, now), String(value)).toBeNull();
    }
  });
});

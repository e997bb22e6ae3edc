import { QUALITY_PRESETS, QualityProfile } from '@sokoul/contracts';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { Db } from '../infra/sql.js';

const KEY = 'qualityProfiles';

/** The admin's own profiles, from the `settings` table. */
export async function customProfiles(db: Db): Promise<QualityProfile[]> {
  const [row] = await db.query<{ value: unknown }>('SELECT value FROM settings WHERE key = $1', [KEY]);
  const parsed = z.object({ profiles: z.array(QualityProfile) }).safeParse(row?.value);
  return parsed.success ? parsed.data.profiles : [];
}

export async function saveCustomProfiles(db: Db, profiles: QualityProfile[]): Promise<void> {
  await db.execute(
    `INSERT INTO settings (key, value) VALUES ($1, $2::jsonb)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`,
    [KEY, { profiles }],
  );
}

/** Presets first, then the admin's; preferred languages default to the TMDB language. */
export async function allProfiles(db: Db, tmdbLanguage: string): Promise<QualityProfile[]> {
  const language = tmdbLanguage.slice(0, 2);
  const withLanguage = (p: QualityProfile) =>
    p.preferredLanguages.length > 0 ? p : { ...p, preferredLanguages: [language] };
  const presets = Object.values(QUALITY_PRESETS).map((p) => QualityProfile.parse(p));
  return [...presets, ...(await customProfiles(db))].map(withLanguage);
}

export async function profileNamed(db: Db, tmdbLanguage: string, name: string): Promise<QualityProfile> {
  const found = (await allProfiles(db, tmdbLanguage)).find(
    (p) => p.name.toLowerCase() === name.toLowerCase(),
  );
  if (!found) throw new ApiError(400, 'validation_failed', `Invalid body: profile "${name}" does not exist`);
  return found;
}

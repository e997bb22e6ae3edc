import {
  type DownloadErrorCode,
  escapeTelegramHtml as h,
  type Locale,
  type SokoulEvent,
} from '@sokoul/contracts';

/**
 * What torrent-node's notifications say, in French and English (the user's language). Every value
 * is raw text and escaped here; the result is Telegram HTML.
 */
export interface NotificationTexts {
  completed: (o: { title: string; quality: string | null }) => string;
  failed: (o: {
    title: string;
    release: string;
    code: DownloadErrorCode | null;
    message: string | null;
  }) => string;
  stalled: (o: { title: string; release: string; next: string | null }) => string;
  alert: (alert: Extract<SokoulEvent, { type: 'alert' }>['data']) => string;
  /** "S01E02", "saison 1" after a series' title. */
  episodeLabel: (season: number, episode: number) => string;
  seasonLabel: (season: number) => string;
  watch: string;
  open: string;
  downloads: string;
}

type Advice = 'another' | 'space' | 'admin' | 'retry';

/** Why it failed (after "because"), and what the user can do about it. */
const REASONS: Record<DownloadErrorCode, { fr: string; en: string; advice: Advice }> = {
  invalid_magnet: { fr: 'le lien magnet est invalide', en: 'the magnet link is invalid', advice: 'another' },
  torrent_fetch_failed: {
    fr: 'le fichier .torrent n’a pas pu être récupéré',
    en: 'the .torrent file could not be fetched',
    advice: 'retry',
  },
  not_a_torrent: {
    fr: 'le fichier reçu n’est pas un torrent',
    en: 'the file received is not a torrent',
    advice: 'another',
  },
  torrent_too_large: {
    fr: 'le torrent est trop volumineux',
    en: 'the torrent is too large',
    advice: 'another',
  },
  empty_torrent: {
    fr: 'le torrent ne contient aucun fichier',
    en: 'the torrent has no files',
    advice: 'another',
  },
  unsafe_path: {
    fr: 'le torrent contient des chemins de fichiers dangereux',
    en: 'the torrent has unsafe file paths',
    advice: 'another',
  },
  duplicate: {
    fr: 'ce torrent est déjà en cours de téléchargement',
    en: 'this torrent is already being downloaded',
    advice: 'another',
  },
  insufficient_space: { fr: 'pas assez d’espace disque', en: 'not enough disk space', advice: 'space' },
  no_peers: {
    fr: 'aucune source ne partage ce torrent',
    en: 'nobody shares this torrent',
    advice: 'another',
  },
  metadata_timeout: {
    fr: 'les métadonnées ne sont jamais arrivées',
    en: 'the metadata never arrived',
    advice: 'another',
  },
  no_video_file: {
    fr: 'aucun fichier vidéo dans le torrent',
    en: 'no video file in the torrent',
    advice: 'another',
  },
  import_failed: {
    fr: 'l’import dans la bibliothèque a échoué',
    en: 'importing into the library failed',
    advice: 'admin',
  },
  engine_error: {
    fr: 'le moteur de téléchargement a rencontré une erreur',
    en: 'the download engine hit an error',
    advice: 'retry',
  },
  engine_unavailable: {
    fr: 'son moteur de téléchargement n’est plus configuré sur ce serveur',
    en: 'its download engine is no longer configured on this server',
    advice: 'admin',
  },
  debrid_auth: {
    fr: 'Real-Debrid refuse la clé configurée',
    en: 'Real-Debrid refuses the configured key',
    advice: 'admin',
  },
  debrid_infringing: {
    fr: 'Real-Debrid refuse ce fichier (signalé comme contrefaisant)',
    en: 'Real-Debrid refuses this file (reported as infringing)',
    advice: 'another',
  },
  debrid_magnet_error: {
    fr: 'Real-Debrid n’a pas pu lire ce lien magnet ou ce torrent',
    en: 'Real-Debrid could not read this magnet link or torrent',
    advice: 'another',
  },
  debrid_virus: {
    fr: 'Real-Debrid a trouvé un virus dans ce torrent',
    en: 'Real-Debrid found a virus in this torrent',
    advice: 'another',
  },
  debrid_dead: {
    fr: 'Real-Debrid a abandonné ce torrent : personne ne le partage',
    en: 'Real-Debrid gave up on this torrent: nobody shares it',
    advice: 'another',
  },
  debrid_error: { fr: 'Real-Debrid a rencontré une erreur', en: 'Real-Debrid hit an error', advice: 'retry' },
  client_error: {
    fr: 'le client de téléchargement a refusé ou perdu le torrent',
    en: 'the download client refused or lost the torrent',
    advice: 'retry',
  },
};

const ADVICE: Record<Advice, { fr: string; en: string }> = {
  another: {
    fr: 'Choisissez une autre version depuis la fiche du titre dans Sokoul.',
    en: 'Pick another release from the title’s page in Sokoul.',
  },
  space: {
    fr: 'Libérez de l’espace disque, puis relancez le téléchargement.',
    en: 'Free some disk space, then start the download again.',
  },
  admin: {
    fr: 'Un administrateur doit vérifier la configuration de Sokoul.',
    en: 'An administrator needs to check Sokoul’s configuration.',
  },
  retry: {
    fr: 'Relancez le téléchargement dans un moment, ou choisissez une autre version.',
    en: 'Start the download again in a while, or pick another release.',
  },
};

const num = (value: string | number | undefined) => h(String(value ?? '?'));

const fr: NotificationTexts = {
  completed: ({ title, quality }) =>
    `✅ <b>${h(title)}</b> est prêt dans votre bibliothèque.${quality ? `\nQualité : ${h(quality)}` : ''}`,
  failed: ({ title, release, code, message }) => {
    const reason = code ? REASONS[code] : null;
    const why = reason?.fr ?? message ?? 'erreur inconnue';
    return `❌ Le téléchargement de <b>${h(title)}</b> a échoué : ${h(why)}.\nVersion : « ${h(release)} »\n${ADVICE[reason?.advice ?? 'retry'].fr}`;
  },
  stalled: ({ title, release, next }) =>
    `⏸️ <b>${h(title)}</b> : « ${h(release)} » est bloqué, personne ne le partage.\n${
      next
        ? `La version suivante a démarré : « ${h(next)} ».`
        : 'Aucune autre version disponible : choisissez-en une depuis la fiche du titre.'
    }`,
  alert: ({ code, params, message, level, phase, cause }) => {
    if (code === 'disk.low' && phase !== 'cleared' && !isFolderCheck(cause)) {
      return `⚠️ <b>Espace disque faible${phase === 'repeated' ? ' (toujours)' : ''}</b> : ${num(params?.freeMb)} Mo libres (minimum ${num(params?.minFreeMb)} Mo). Les téléchargements sont en pause.`;
    }
    if (code === 'disk.ok') {
      return `✅ Espace disque revenu à ${num(params?.freeMb)} Mo : les téléchargements reprennent.`;
    }
    // Sentinel's checks: the check's English message, under a French heading for each phase.
    if (phase === 'cleared') return `✅ <b>Alerte terminée</b> : ${h(message)}`;
    if (phase === 'repeated') return `⏰ <b>Alerte toujours en cours</b> : ${h(message)}`;
    return `${level === 'info' ? 'ℹ️' : level === 'critical' ? '🚨' : '⚠️'} <b>Alerte Sokoul</b> : ${h(message)}`;
  },
  episodeLabel: (season, episode) => `S${pad(season)}E${pad(episode)}`,
  seasonLabel: (season) => `saison ${season}`,
  watch: '▶️ Regarder',
  open: 'Ouvrir dans Sokoul',
  downloads: 'Téléchargements',
};

const en: NotificationTexts = {
  completed: ({ title, quality }) =>
    `✅ <b>${h(title)}</b> is ready in your library.${quality ? `\nQuality: ${h(quality)}` : ''}`,
  failed: ({ title, release, code, message }) => {
    const reason = code ? REASONS[code] : null;
    const why = reason?.en ?? message ?? 'unknown error';
    return `❌ The download of <b>${h(title)}</b> failed: ${h(why)}.\nRelease: “${h(release)}”\n${ADVICE[reason?.advice ?? 'retry'].en}`;
  },
  stalled: ({ title, release, next }) =>
    `⏸️ <b>${h(title)}</b>: “${h(release)}” is stalled, nobody shares it.\n${
      next
        ? `The next release started: “${h(next)}”.`
        : 'No other release left: pick one from the title’s page.'
    }`,
  alert: ({ code, params, message, level, phase, cause }) => {
    if (code === 'disk.low' && phase !== 'cleared' && !isFolderCheck(cause)) {
      return `⚠️ <b>Low disk space${phase === 'repeated' ? ' (still)' : ''}</b>: ${num(params?.freeMb)} MB free (minimum ${num(params?.minFreeMb)} MB). Downloads are paused.`;
    }
    if (code === 'disk.ok') return `✅ Disk space is back to ${num(params?.freeMb)} MB: downloads resume.`;
    if (phase === 'cleared') return `✅ <b>Alert over</b>: ${h(message)}`;
    if (phase === 'repeated') return `⏰ <b>Alert still on</b>: ${h(message)}`;
    return `${level === 'info' ? 'ℹ️' : level === 'critical' ? '🚨' : '⚠️'} <b>Sokoul alert</b>: ${h(message)}`;
  },
  episodeLabel: (season, episode) => `S${pad(season)}E${pad(episode)}`,
  seasonLabel: (season) => `season ${season}`,
  watch: '▶️ Watch',
  open: 'Open in Sokoul',
  downloads: 'Downloads',
};

/** Sentinel's free-space checks (`disk:<folder>`) share the code, not the paused downloads. */
const isFolderCheck = (cause: string | undefined) => cause?.startsWith('disk:') ?? false;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export const notificationTexts = (locale: Locale): NotificationTexts => (locale === 'en' ? en : fr);

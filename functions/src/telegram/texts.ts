import type { DependencyName, DownloadState, EngineState, ErrorCode, Locale } from '@sokoul/contracts';
import { h } from './render.js';

/**
 * What the bot says, in French and English (the linked user's language; an unlinked chat's from
 * Telegram's language_code). Every value a function takes is raw text: it is escaped here.
 */
export interface Texts {
  welcome: string;
  linked: (name: string) => string;
  alreadyLinked: (name: string) => string;
  badCode: string;
  disabled: string;
  notLinked: string;
  /** Answers a button in an unlinked chat (200 characters at most). */
  notLinkedShort: string;
  help: (o: { linked: boolean; admin: boolean; group: boolean }) => string;
  unknown: string;
  slowDown: (seconds: number) => string;
  expired: string;
  failed: string;

  searchPrompt: string;
  searchPlaceholder: string;
  searchNone: (query: string) => string;
  searchResults: (query: string) => string;
  kind: { movie: string; tv: string };
  seasonCount: (n: number) => string;
  rating: (value: string) => string;
  findReleases: string;
  addToList: string;
  /** Plain text (a button's answer): not escaped. */
  added: (title: string) => string;
  alreadyAdded: (title: string) => string;
  inList: string;
  watch: string;
  open: string;
  season: (n: number) => string;
  wholeSeason: string;
  episode: (n: number) => string;
  chooseEpisode: (title: string, season: number) => string;
  /** "S01E02", "saison 1": what a search is for. */
  episodeLabel: (season: number, episode: number) => string;
  seasonLabel: (season: number) => string;
  searching: (label: string) => string;
  searchSlow: (label: string) => string;
  stillSearching: string;
  refresh: string;
  searchFailed: (label: string) => string;
  noRelease: (label: string, rejected: number) => string;
  releasesHeader: (label: string) => string;
  seeders: (count: string, n: number) => string;
  french: string;
  original: string;
  whyBest: (reasons: string) => string;
  download: (n: number) => string;
  downloadStarted: (name: string, state: string, engine: string) => string;
  downloadExisting: (name: string, state: string, engine: string) => string;
  startedShort: string;

  downloadsHeader: string;
  downloadsEmpty: string;
  downloadsMore: (n: number) => string;
  state: Record<DownloadState, string>;
  pausedDisk: string;
  left: (duration: string) => string;
  pause: string;
  resume: string;
  cancel: string;
  paused: string;
  resumed: string;
  cancelled: string;

  recent: string;
  recentEmpty: string;
  watchlist: string;
  watchlistEmpty: string;
  continueWatching: string;
  continueEmpty: string;
  librarySearch: (query: string) => string;
  libraryNone: (query: string) => string;

  statusTitle: (ok: boolean) => string;
  service: Record<DependencyName, string>;
  engines: string;
  engineState: Record<EngineState, string>;
  activeDownloads: (n: number, queued: number) => string;
  everyoneDownloads: (n: number) => string;
  diskPaused: (n: number) => string;
  /** Free space of a media folder: "Téléchargements : 120 Go libres sur 500 Go". */
  storage: (folder: 'downloads' | 'library', free: string, total: string) => string;
  activeStreams: (n: number) => string;
  failing: string;

  errors: Partial<Record<ErrorCode, string>>;
}

const list = (lines: string[]) => lines.join('\n');

const fr: Texts = {
  welcome: list([
    'Bonjour ! Je suis le bot de <b>Sokoul</b>.',
    '',
    'Pour relier ce chat à votre compte : dans Sokoul, ouvrez <b>Paramètres → Telegram</b>, créez un code, puis touchez le lien affiché ou envoyez ici <code>/start CODE</code>.',
  ]),
  linked: (name) =>
    `C’est fait : ce chat est relié au compte <b>${h(name)}</b>. Essayez <code>/search dune</code>, ou /help.`,
  alreadyLinked: (name) => `Ce chat est relié au compte <b>${h(name)}</b>. /help liste ce que je sais faire.`,
  badCode:
    'Ce code ne fonctionne pas : il a expiré, a déjà servi ou est mal recopié. Créez-en un nouveau dans Paramètres → Telegram.',
  disabled: 'Ce compte Sokoul est désactivé : je ne peux rien faire pour lui. Voyez avec l’administrateur.',
  notLinked: list([
    'Ce chat n’est pas encore relié à un compte Sokoul.',
    '',
    'Dans Sokoul, ouvrez <b>Paramètres → Telegram</b>, créez un code, puis envoyez ici <code>/start CODE</code>.',
  ]),
  notLinkedShort: 'Ce chat n’est pas relié à un compte Sokoul : envoyez /help pour savoir comment faire.',
  help: ({ linked, admin, group }) =>
    linked
      ? list([
          '<b>Ce que je sais faire ici</b>',
          '/search <i>titre</i> — chercher un film ou une série, trouver ses releases et la télécharger',
          '/downloads — vos téléchargements en cours : pause, reprise, annulation',
          '/library — ajoutés récemment, votre liste, reprendre ; <code>/library texte</code> cherche dans la bibliothèque',
          admin
            ? '/status — l’état des services, des moteurs et les alertes'
            : '/status — l’état des services et de vos téléchargements',
          '/help — ce message',
          ...(group
            ? ['', 'Dans ce groupe, je réponds à vous seul : les autres membres relient leur propre compte.']
            : []),
          '',
          'Vous serez prévenu ici quand un téléchargement est prêt, échoue ou se bloque (réglable dans Paramètres → Telegram).',
        ])
      : list([
          '<b>Ce chat n’est pas encore relié à un compte Sokoul.</b>',
          '',
          'Dans Sokoul, ouvrez <b>Paramètres → Telegram</b>, créez un code, puis envoyez ici <code>/start CODE</code> (ou touchez le lien affiché).',
          'Ensuite : /search, /downloads, /library et /status.',
        ]),
  unknown: 'Je n’ai pas compris. /help liste ce que je sais faire.',
  slowDown: (seconds) => `Doucement : trop de commandes en une minute. Réessayez dans ${seconds} s.`,
  expired: 'Ce bouton a expiré : relancez la commande.',
  failed: 'Quelque chose s’est mal passé de notre côté. Réessayez dans un instant.',

  searchPrompt: 'Quel film ou quelle série cherchez-vous ?',
  searchPlaceholder: 'Titre d’un film ou d’une série',
  searchNone: (query) => `Rien trouvé pour « ${h(query)} ».`,
  searchResults: (query) => `Résultats pour « ${h(query)} » :`,
  kind: { movie: 'film', tv: 'série' },
  seasonCount: (n) => (n > 1 ? `${n} saisons` : `${n} saison`),
  rating: (value) => `★ ${value}/10`,
  findReleases: '🔎 Trouver des releases',
  addToList: '➕ Ajouter à ma liste',
  added: (title) => `« ${title} » est dans votre liste.`,
  alreadyAdded: (title) => `« ${title} » était déjà dans votre liste.`,
  inList: 'Dans votre liste',
  watch: '▶️ Regarder',
  open: '🌐 Ouvrir dans Sokoul',
  season: (n) => (n === 0 ? 'Épisodes spéciaux' : `Saison ${n}`),
  wholeSeason: '📦 Saison complète',
  episode: (n) => `É${n}`,
  chooseEpisode: (title, season) =>
    `<b>${h(title)}</b> — saison ${season} : choisissez un épisode, ou la saison complète.`,
  episodeLabel: (season, episode) =>
    `S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`,
  seasonLabel: (season) => `saison ${season}`,
  searching: (label) => `🔎 Recherche des releases de <b>${h(label)}</b>…`,
  searchSlow: (label) =>
    `La recherche des releases de <b>${h(label)}</b> prend plus de temps que prévu. Touchez « Actualiser » dans un moment.`,
  stillSearching: 'La recherche continue…',
  refresh: '🔄 Actualiser',
  searchFailed: (label) => `La recherche des releases de <b>${h(label)}</b> a échoué. Réessayez plus tard.`,
  noRelease: (label, rejected) =>
    `Aucune release acceptable pour <b>${h(label)}</b>${
      rejected > 0 ? ` (${rejected} écartée${rejected > 1 ? 's' : ''} par le profil de qualité)` : ''
    }.`,
  releasesHeader: (label) => `<b>${h(label)}</b> — les meilleures releases :`,
  seeders: (count, n) => (n > 1 ? `${count} seeders` : `${count} seeder`),
  french: '🇫🇷',
  original: 'VO',
  whyBest: (reasons) => `<i>Pourquoi la n°1 : ${h(reasons)}.</i>`,
  download: (n) => `⬇️ Télécharger n°${n}`,
  downloadStarted: (name, state, engine) =>
    `✅ Téléchargement lancé : <code>${h(name)}</code>\nÉtat : ${h(state)} · moteur : ${h(engine)}\nJe vous préviens ici quand il est prêt.`,
  downloadExisting: (name, state, engine) =>
    `Déjà en cours : <code>${h(name)}</code>\nÉtat : ${h(state)} · moteur : ${h(engine)}`,
  startedShort: 'Téléchargement lancé',

  downloadsHeader: '<b>Vos téléchargements en cours</b>',
  downloadsEmpty: 'Aucun téléchargement en cours. Lancez-en un avec /search.',
  downloadsMore: (n) => `… et ${n} autre${n > 1 ? 's' : ''} (voyez la page Téléchargements de Sokoul).`,
  state: {
    queued: 'En file d’attente',
    metadata: 'Récupération des métadonnées',
    downloading: 'Téléchargement',
    paused: 'En pause',
    stalled: 'Bloqué : aucune source',
    seeding: 'Terminé, en partage',
    completed: 'Terminé',
    failed: 'Échec',
    cancelled: 'Annulé',
  },
  pausedDisk: 'En pause : espace disque insuffisant',
  left: (duration) => `reste ${duration}`,
  pause: '⏸',
  resume: '▶️',
  cancel: '✖️',
  paused: 'En pause',
  resumed: 'Repris',
  cancelled: 'Annulé',

  recent: '<b>Ajoutés récemment</b>',
  recentEmpty: 'Rien dans la bibliothèque pour l’instant.',
  watchlist: '<b>Ma liste</b>',
  watchlistEmpty: 'Votre liste est vide : « Ajouter à ma liste » sur une fiche.',
  continueWatching: '<b>Reprendre</b>',
  continueEmpty: 'Rien à reprendre.',
  librarySearch: (query) => `<b>Dans la bibliothèque pour « ${h(query)} »</b>`,
  libraryNone: (query) => `Rien dans la bibliothèque pour « ${h(query)} ». Essayez /search ${h(query)}.`,

  statusTitle: (ok) => (ok ? '<b>Sokoul</b> : tout fonctionne ✅' : '<b>Sokoul</b> : service dégradé ⚠️'),
  service: {
    database: 'Base de données',
    nats: 'Messagerie (NATS)',
    cache: 'Cache',
    torrentNode: 'torrent-node',
  },
  engines: 'Moteurs de téléchargement',
  engineState: {
    ok: 'fonctionne',
    unreachable: 'injoignable',
    unauthorized: 'identifiants refusés',
    not_configured: 'non configuré',
    error: 'en erreur',
  },
  activeDownloads: (n, queued) =>
    `Vos téléchargements actifs : ${n}${queued > 0 ? ` (dont ${queued} en file d’attente)` : ''}`,
  everyoneDownloads: (n) => `Téléchargements actifs, tous membres : ${n}`,
  storage: (folder, free, total) =>
    `${folder === 'downloads' ? 'Téléchargements' : 'Bibliothèque'} : ${free} libres sur ${total}`,
  activeStreams: (n) => (n === 0 ? 'Personne ne regarde' : `${n} lecture${n > 1 ? 's' : ''} en cours`),
  diskPaused: (n) =>
    `⚠️ ${n} téléchargement${n > 1 ? 's' : ''} en pause : espace disque insuffisant dans le dossier de téléchargement.`,
  failing: '<b>Alertes</b>',

  errors: {
    already_downloading:
      'Un autre membre télécharge déjà cette release : elle arrivera dans la bibliothèque.',
    blocklisted:
      'Cette release a été refusée pour ce titre (bloquée ou en échec) : retirez-la des releases refusées dans Sokoul pour la relancer.',
    engine_unavailable:
      'Votre moteur de téléchargement n’est pas configuré sur ce serveur : choisissez-en un autre dans Paramètres.',
    not_found: 'Ce titre ou cette release n’est plus disponible : relancez la recherche.',
    no_indexer:
      'Aucun indexeur n’est configuré pour trouver des releases : un administrateur en ajoute un dans Paramètres → Indexeurs.',
    no_release: 'La recherche n’a trouvé aucune release acceptable de ce titre.',
    invalid_state: 'Ce téléchargement ne peut pas faire cela dans son état actuel.',
    bad_request: 'Cette release n’a pas de lien magnet ou .torrent utilisable.',
    not_configured: 'TMDB n’est pas configuré sur ce serveur : un administrateur doit définir TMDB_API_KEY.',
    upstream_error: 'TMDB ne répond pas pour l’instant. Réessayez dans un moment.',
    upstream_rate_limited: 'TMDB limite nos requêtes pour l’instant. Réessayez dans un moment.',
    forbidden: 'Votre compte n’a pas le droit de faire cela.',
    account_disabled: 'Ce compte Sokoul est désactivé.',
  },
};

const en: Texts = {
  welcome: list([
    'Hello! I am <b>Sokoul</b>’s bot.',
    '',
    'To link this chat to your account: in Sokoul, open <b>Settings → Telegram</b>, create a code, then tap the link shown or send <code>/start CODE</code> here.',
  ]),
  linked: (name) =>
    `Done: this chat is linked to the account <b>${h(name)}</b>. Try <code>/search dune</code>, or /help.`,
  alreadyLinked: (name) => `This chat is linked to the account <b>${h(name)}</b>. /help lists what I can do.`,
  badCode:
    'This code does not work: it expired, was already used or is mistyped. Create a new one in Settings → Telegram.',
  disabled: 'This Sokoul account is disabled: I cannot do anything for it. Ask the administrator.',
  notLinked: list([
    'This chat is not linked to a Sokoul account yet.',
    '',
    'In Sokoul, open <b>Settings → Telegram</b>, create a code, then send <code>/start CODE</code> here.',
  ]),
  notLinkedShort: 'This chat is not linked to a Sokoul account: send /help to see how.',
  help: ({ linked, admin, group }) =>
    linked
      ? list([
          '<b>What I can do here</b>',
          '/search <i>title</i> — find a film or a series, its releases, and download one',
          '/downloads — your downloads in progress: pause, resume, cancel',
          '/library — recently added, your watchlist, continue watching; <code>/library text</code> searches the library',
          admin
            ? '/status — the services, the download engines and the alerts'
            : '/status — the services and your downloads',
          '/help — this message',
          ...(group ? ['', 'In this group I answer you alone: other members link their own account.'] : []),
          '',
          'You are told here when a download is ready, fails or stalls (change it in Settings → Telegram).',
        ])
      : list([
          '<b>This chat is not linked to a Sokoul account yet.</b>',
          '',
          'In Sokoul, open <b>Settings → Telegram</b>, create a code, then send <code>/start CODE</code> here (or tap the link shown).',
          'Then: /search, /downloads, /library and /status.',
        ]),
  unknown: 'I did not understand that. /help lists what I can do.',
  slowDown: (seconds) => `Slow down: too many commands in a minute. Try again in ${seconds} s.`,
  expired: 'This button has expired: run the command again.',
  failed: 'Something went wrong on our side. Try again in a moment.',

  searchPrompt: 'Which film or series are you looking for?',
  searchPlaceholder: 'A film or series title',
  searchNone: (query) => `Nothing found for “${h(query)}”.`,
  searchResults: (query) => `Results for “${h(query)}”:`,
  kind: { movie: 'film', tv: 'series' },
  seasonCount: (n) => (n > 1 ? `${n} seasons` : `${n} season`),
  rating: (value) => `★ ${value}/10`,
  findReleases: '🔎 Find releases',
  addToList: '➕ Add to my watchlist',
  added: (title) => `“${title}” is on your watchlist.`,
  alreadyAdded: (title) => `“${title}” was already on your watchlist.`,
  inList: 'On your watchlist',
  watch: '▶️ Watch',
  open: '🌐 Open in Sokoul',
  season: (n) => (n === 0 ? 'Specials' : `Season ${n}`),
  wholeSeason: '📦 Whole season',
  episode: (n) => `E${n}`,
  chooseEpisode: (title, season) =>
    `<b>${h(title)}</b> — season ${season}: choose an episode, or the whole season.`,
  episodeLabel: (season, episode) =>
    `S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`,
  seasonLabel: (season) => `season ${season}`,
  searching: (label) => `🔎 Searching for releases of <b>${h(label)}</b>…`,
  searchSlow: (label) =>
    `The search for releases of <b>${h(label)}</b> is taking longer than expected. Tap “Refresh” in a moment.`,
  stillSearching: 'Still searching…',
  refresh: '🔄 Refresh',
  searchFailed: (label) => `The search for releases of <b>${h(label)}</b> failed. Try again later.`,
  noRelease: (label, rejected) =>
    `No acceptable release of <b>${h(label)}</b>${
      rejected > 0 ? ` (${rejected} set aside by the quality profile)` : ''
    }.`,
  releasesHeader: (label) => `<b>${h(label)}</b> — the best releases:`,
  seeders: (count, n) => (n === 1 ? `${count} seeder` : `${count} seeders`),
  french: '🇫🇷',
  original: 'original audio',
  whyBest: (reasons) => `<i>Why #1: ${h(reasons)}.</i>`,
  download: (n) => `⬇️ Download #${n}`,
  downloadStarted: (name, state, engine) =>
    `✅ Download started: <code>${h(name)}</code>\nState: ${h(state)} · engine: ${h(engine)}\nI will tell you here when it is ready.`,
  downloadExisting: (name, state, engine) =>
    `Already downloading: <code>${h(name)}</code>\nState: ${h(state)} · engine: ${h(engine)}`,
  startedShort: 'Download started',

  downloadsHeader: '<b>Your downloads in progress</b>',
  downloadsEmpty: 'No download in progress. Start one with /search.',
  downloadsMore: (n) => `… and ${n} more (see Sokoul’s Downloads page).`,
  state: {
    queued: 'Queued',
    metadata: 'Fetching metadata',
    downloading: 'Downloading',
    paused: 'Paused',
    stalled: 'Stalled: no peers',
    seeding: 'Done, seeding',
    completed: 'Done',
    failed: 'Failed',
    cancelled: 'Cancelled',
  },
  pausedDisk: 'Paused: low disk space',
  left: (duration) => `${duration} left`,
  pause: '⏸',
  resume: '▶️',
  cancel: '✖️',
  paused: 'Paused',
  resumed: 'Resumed',
  cancelled: 'Cancelled',

  recent: '<b>Recently added</b>',
  recentEmpty: 'Nothing in the library yet.',
  watchlist: '<b>My watchlist</b>',
  watchlistEmpty: 'Your watchlist is empty: “Add to my watchlist” on a title.',
  continueWatching: '<b>Continue watching</b>',
  continueEmpty: 'Nothing to continue.',
  librarySearch: (query) => `<b>In the library for “${h(query)}”</b>`,
  libraryNone: (query) => `Nothing in the library for “${h(query)}”. Try /search ${h(query)}.`,

  statusTitle: (ok) => (ok ? '<b>Sokoul</b>: all systems working ✅' : '<b>Sokoul</b>: degraded ⚠️'),
  service: { database: 'Database', nats: 'Messaging (NATS)', cache: 'Cache', torrentNode: 'torrent-node' },
  engines: 'Download engines',
  engineState: {
    ok: 'working',
    unreachable: 'unreachable',
    unauthorized: 'credentials refused',
    not_configured: 'not configured',
    error: 'failing',
  },
  activeDownloads: (n, queued) => `Your active downloads: ${n}${queued > 0 ? ` (${queued} queued)` : ''}`,
  everyoneDownloads: (n) => `Active downloads, all members: ${n}`,
  storage: (folder, free, total) =>
    `${folder === 'downloads' ? 'Downloads' : 'Library'}: ${free} free of ${total}`,
  activeStreams: (n) => (n === 0 ? 'Nobody is watching' : `${n} stream${n > 1 ? 's' : ''} playing`),
  diskPaused: (n) => `⚠️ ${n} download${n > 1 ? 's' : ''} paused: low disk space in the download folder.`,
  failing: '<b>Alerts</b>',

  errors: {
    already_downloading: 'Another member is already downloading this release: it will arrive in the library.',
    blocklisted:
      'This release was refused for this title (it stalled or failed): clear it from the refused releases in Sokoul to try it again.',
    engine_unavailable: 'Your download engine is not configured on this server: choose another in Settings.',
    not_found: 'This title or release is no longer available: search again.',
    no_indexer:
      'No indexer is configured to find releases: an administrator adds one in Settings → Indexers.',
    no_release: 'The search found no acceptable release of this title.',
    invalid_state: 'This download cannot do that in its current state.',
    bad_request: 'This release has no usable magnet or .torrent link.',
    not_configured: 'TMDB is not configured on this server: an administrator must set TMDB_API_KEY.',
    upstream_error: 'TMDB is not answering right now. Try again in a moment.',
    upstream_rate_limited: 'TMDB is limiting our requests right now. Try again in a moment.',
    forbidden: 'Your account is not allowed to do that.',
    account_disabled: 'This Sokoul account is disabled.',
  },
};

export const TEXTS: Record<Locale, Texts> = { fr, en };

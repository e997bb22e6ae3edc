import type { Locale, SokoulEvent } from '@sokoul/contracts';

type AlertData = Extract<SokoulEvent, { type: 'alert' }>['data'];

/** What web push notifications say, in the device owner's language (plain text: the OS shows it). */
export interface PushTexts {
  ready: string;
  alert: (alert: AlertData) => string;
  test: { title: string; body: string };
  episodeLabel: (season: number, episode: number) => string;
  seasonLabel: (season: number) => string;
}

const pad = (n: number) => String(n).padStart(2, '0');

const TEXTS: Record<Locale, PushTexts> = {
  fr: {
    ready: 'Prêt à regarder',
    alert: (a) =>
      a.phase === 'cleared'
        ? 'Sokoul : alerte terminée'
        : a.phase === 'repeated'
          ? 'Sokoul : alerte toujours en cours'
          : a.level === 'critical'
            ? 'Sokoul : alerte critique'
            : 'Sokoul : alerte',
    test: { title: 'Sokoul', body: 'Les notifications fonctionnent sur cet appareil.' },
    episodeLabel: (s, e) => `S${pad(s)}E${pad(e)}`,
    seasonLabel: (s) => `saison ${s}`,
  },
  en: {
    ready: 'Ready to watch',
    alert: (a) =>
      a.phase === 'cleared'
        ? 'Sokoul: alert over'
        : a.phase === 'repeated'
          ? 'Sokoul: alert still on'
          : a.level === 'critical'
            ? 'Sokoul: critical alert'
            : 'Sokoul: alert',
    test: { title: 'Sokoul', body: 'Notifications work on this device.' },
    episodeLabel: (s, e) => `S${pad(s)}E${pad(e)}`,
    seasonLabel: (s) => `season ${s}`,
  },
};

export const pushTexts = (locale: Locale): PushTexts => TEXTS[locale];

/*
 * media-chrome's elements, registered once for the player, with its French labels (its tooltips and
 * ARIA labels are its own; `setLanguage` follows the interface language).
 */
import 'media-chrome';
import 'media-chrome/lang/fr.js';
import { setLanguage } from 'media-chrome/utils/i18n.js';
import type { JSX } from 'solid-js';
import type { SokoulVideo } from './sokoul-video.js';
import './sokoul-video.js';

export { setLanguage as setPlayerLanguage };

/** The media-chrome methods the player calls beyond an element's own. */
export interface MediaControllerElement extends HTMLElement {
  keyboardShortcutHandler(event: KeyboardEvent): void;
}

type Chrome = JSX.HTMLAttributes<HTMLElement>;

declare module 'solid-js' {
  namespace JSX {
    interface ExplicitAttributes {
      seekoffset: string;
      rates: string;
      hotkeys: string;
      lang: string;
      keyboardforwardseekoffset: string;
      keyboardbackwardseekoffset: string;
      playsinline: string;
      preload: string;
    }
    interface ExplicitBoolAttributes {
      showduration: boolean;
      nosubtitleslangpref: boolean;
      noautohide: boolean;
      nohotkeys: boolean;
    }
    interface IntrinsicElements {
      'media-controller': Chrome;
      'media-control-bar': Chrome;
      'media-play-button': Chrome;
      'media-seek-backward-button': Chrome;
      'media-seek-forward-button': Chrome;
      'media-mute-button': Chrome;
      'media-volume-range': Chrome;
      'media-time-range': Chrome;
      'media-time-display': Chrome;
      'media-playback-rate-button': Chrome;
      'media-captions-button': Chrome;
      'media-pip-button': Chrome;
      'media-fullscreen-button': Chrome;
      'media-loading-indicator': Chrome;
      'sokoul-video': JSX.HTMLAttributes<SokoulVideo>;
    }
  }
}

import { createEffect } from 'solid-js';

/**
 * The tab's title for the page on screen ("Films — Sokoul", a film's title): what history, tabs
 * and screen readers announce. Reactive, so it follows the language and the data as it loads.
 */
export function usePageTitle(title: () => string | null | undefined): void {
  createEffect(() => {
    const page = title();
    document.title = page ? `${page} — Sokoul` : 'Sokoul';
  });
}

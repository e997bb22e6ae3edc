import { A, useNavigate } from '@solidjs/router';
import { createSignal, For, type ParentProps } from 'solid-js';
import { type MessageKey, t } from '../i18n.js';
import { session } from '../stores/session.js';
import { ConnectionIndicator } from './ConnectionIndicator.js';
import { LanguageSwitcher } from './LanguageSwitcher.js';
import { Notices } from './Notices.js';
import { SearchModal } from './SearchModal.js';

const NAV: [string, MessageKey][] = [
  ['/', 'nav.home'],
  ['/films', 'nav.films'],
  ['/series', 'nav.series'],
  ['/search', 'nav.search'],
  ['/library', 'nav.library'],
  ['/downloads', 'nav.downloads'],
  ['/tasks', 'nav.tasks'],
  ['/settings', 'nav.settings'],
];
/** Administrators' pages, after everyone's. */
const ADMIN_NAV: [string, MessageKey][] = [['/system', 'nav.system']];

export function Layout(props: ParentProps) {
  const navigate = useNavigate();
  const [open, setOpen] = createSignal(false);
  const logout = async () => {
    await session.logout();
    navigate('/login', { replace: true });
  };
  return (
    <div class="shell">
      <header class="topbar">
        <A href="/" class="brand">
          Sokoul
        </A>
        <button
          type="button"
          class="menu-button"
          aria-expanded={open()}
          aria-controls="main-nav"
          onClick={() => setOpen(!open())}
        >
          {t('nav.menu')}
        </button>
        <nav id="main-nav" class="nav" classList={{ open: open() }} aria-label={t('nav.main')}>
          <For each={session.user()?.role === 'admin' ? [...NAV, ...ADMIN_NAV] : NAV}>
            {([href, key]) => (
              <A href={href} end={href === '/'} activeClass="active" onClick={() => setOpen(false)}>
                {t(key)}
              </A>
            )}
          </For>
        </nav>
        <div class="toolbar">
          <button
            type="button"
            class="search-button"
            aria-label={t('search.open')}
            title={t('search.open')}
            onClick={() => window.dispatchEvent(new Event('sokoul:search'))}
            data-testid="open-search"
          >
            ⌕ <kbd>Ctrl K</kbd>
          </button>
          <ConnectionIndicator />
          <LanguageSwitcher />
          <span class="user-name">{session.user()?.displayName}</span>
          <button type="button" data-testid="logout" onClick={() => void logout()}>
            {t('auth.logout')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1} class="content">
        {props.children}
      </main>
      <SearchModal />
      <Notices />
    </div>
  );
}

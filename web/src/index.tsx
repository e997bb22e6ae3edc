import { render } from 'solid-js/web';
import { config } from 'zod';
import { App } from './app.js';
import { locale } from './i18n.js';
import { session } from './stores/session.js';
import './styles.css';

// zod probes `new Function` for its fast path; the page's CSP forbids eval, so skip the probe.
config({ jitless: true });
document.documentElement.lang = locale();
void session.restore();
// The service worker keeps the app shell for offline starts; dev servers skip it (no build manifest).
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  window.addEventListener('load', () => void navigator.serviceWorker.register('/sw.js'));
}
const root = document.getElementById('root');
if (root) render(() => <App />, root);

// First of all: zod's setting must precede every schema (see zod-config.ts).
import './zod-config.js';
import { render } from 'solid-js/web';
import { App } from './app.js';
import { locale } from './i18n.js';
import { session } from './stores/session.js';
import './styles.css';

document.documentElement.lang = locale();
void session.restore();
// The service worker keeps the app shell for offline starts; dev servers skip it (no build manifest).
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  window.addEventListener('load', () => void navigator.serviceWorker.register('/sw.js'));
}
const root = document.getElementById('root');
if (root) render(() => <App />, root);

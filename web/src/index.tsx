import { render } from 'solid-js/web';
import { App } from './app.js';
import { locale } from './i18n.js';
import { session } from './stores/session.js';
import './styles.css';

document.documentElement.lang = locale();
void session.restore();
const root = document.getElementById('root');
if (root) render(() => <App />, root);

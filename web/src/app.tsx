import { Navigate, Route, Router } from '@solidjs/router';
import { lazy, type ParentProps, Show } from 'solid-js';
import { Layout } from './components/Layout.js';
import { t } from './i18n.js';
import { placeholder } from './pages/Placeholder.js';
import { session } from './stores/session.js';

const Login = lazy(() => import('./pages/Login.js'));
const Signup = lazy(() => import('./pages/Signup.js'));
const Tasks = lazy(() => import('./pages/Tasks.js'));
const Settings = lazy(() => import('./pages/Settings.js'));
const NotFound = lazy(() => import('./pages/NotFound.js'));

function Authenticated(props: ParentProps) {
  return (
    <Show when={session.user()} fallback={<Navigate href="/login" />}>
      <Layout>{props.children}</Layout>
    </Show>
  );
}

function Anonymous(props: ParentProps) {
  return (
    <Show when={!session.user()} fallback={<Navigate href="/" />}>
      {props.children}
    </Show>
  );
}

export function App() {
  return (
    <Show when={session.ready()} fallback={<p class="splash">{t('app.loading')}</p>}>
      <Router>
        <Route path="/" component={Anonymous}>
          <Route path="/login" component={Login} />
          <Route path="/signup" component={Signup} />
        </Route>
        <Route path="/" component={Authenticated}>
          <Route path="/" component={placeholder('nav.home')} />
          <Route path="/films" component={placeholder('nav.films')} />
          <Route path="/series" component={placeholder('nav.series')} />
          <Route path="/search" component={placeholder('nav.search')} />
          <Route path="/library" component={placeholder('nav.library')} />
          <Route path="/downloads" component={placeholder('nav.downloads')} />
          <Route path="/movie/:tmdbId" component={placeholder('nav.films')} />
          <Route path="/tv/:tmdbId" component={placeholder('nav.series')} />
          <Route path="/person/:id" component={placeholder('nav.search')} />
          <Route path="/watch/:type/:tmdbId" component={placeholder('nav.home')} />
          <Route path="/tasks" component={Tasks} />
          <Route path="/settings" component={Settings} />
          <Route path="*404" component={NotFound} />
        </Route>
      </Router>
    </Show>
  );
}

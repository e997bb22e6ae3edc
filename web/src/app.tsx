import { Navigate, Route, Router } from '@solidjs/router';
import { lazy, type ParentProps, Show } from 'solid-js';
import { Layout } from './components/Layout.js';
import { OfflineNotice } from './components/OfflineNotice.js';
import { t } from './i18n.js';
import { session } from './stores/session.js';

const Login = lazy(() => import('./pages/Login.js'));
const Signup = lazy(() => import('./pages/Signup.js'));
const Tasks = lazy(() => import('./pages/Tasks.js'));
const Settings = lazy(() => import('./pages/Settings.js'));
const NotFound = lazy(() => import('./pages/NotFound.js'));
const Home = lazy(() => import('./pages/catalog/Home.js'));
const Films = lazy(() => import('./pages/catalog/Catalogue.js').then((m) => ({ default: m.Films })));
const Series = lazy(() => import('./pages/catalog/Catalogue.js').then((m) => ({ default: m.Series })));
const SearchPage = lazy(() => import('./pages/catalog/SearchPage.js'));
const MovieDetail = lazy(() => import('./pages/catalog/MovieDetail.js'));
const TvDetail = lazy(() => import('./pages/catalog/TvDetail.js'));
const PersonPage = lazy(() => import('./pages/catalog/PersonPage.js'));
const LibraryPage = lazy(() => import('./pages/LibraryPage.js'));
const Downloads = lazy(() => import('./pages/Downloads.js'));
const TitleRedirect = lazy(() => import('./pages/TitleRedirect.js'));
const Watch = lazy(() => import('./pages/Watch.js'));
const System = lazy(() => import('./pages/System.js'));

function Authenticated(props: ParentProps) {
  return (
    <Show when={session.user()} fallback={<Navigate href="/login" />}>
      <Layout>{props.children}</Layout>
    </Show>
  );
}

/** Pages for administrators only (the API refuses the rest anyway): others go home. */
function AdminOnly(props: ParentProps) {
  return (
    <Show when={session.user()?.role === 'admin'} fallback={<Navigate href="/" />}>
      {props.children}
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

/** The first stop of the Tab key: straight to the page's content, past the navigation. */
function SkipLink() {
  // A native listener runs before the router's, which would otherwise take the link as a navigation.
  const skip = (event: MouseEvent) => {
    event.preventDefault();
    const main = document.getElementById('main');
    main?.focus();
    main?.scrollIntoView();
  };
  return (
    <a class="skip-link" href="#main" on:click={skip} data-testid="skip-link">
      {t('nav.skip')}
    </a>
  );
}

export function App() {
  return (
    <>
      <SkipLink />
      <OfflineNotice />
      <Show when={session.ready()} fallback={<p class="splash">{t('app.loading')}</p>}>
        <Router>
          <Route path="/" component={Anonymous}>
            <Route path="/login" component={Login} />
            <Route path="/signup" component={Signup} />
          </Route>
          <Route path="/" component={Authenticated}>
            <Route path="/" component={Home} />
            <Route path="/films" component={Films} />
            <Route path="/series" component={Series} />
            <Route path="/search" component={SearchPage} />
            <Route path="/library" component={LibraryPage} />
            <Route path="/downloads" component={Downloads} />
            <Route path="/title/:mediaId" component={TitleRedirect} />
            <Route path="/movie/:tmdbId" component={MovieDetail} />
            <Route path="/tv/:tmdbId" component={TvDetail} />
            <Route path="/person/:id" component={PersonPage} />
            <Route path="/watch/:type/:tmdbId" component={Watch} />
            <Route path="/tasks" component={Tasks} />
            <Route path="/settings" component={Settings} />
            <Route path="/system" component={AdminOnly}>
              <Route path="/" component={System} />
            </Route>
            <Route path="*404" component={NotFound} />
          </Route>
        </Router>
      </Show>
    </>
  );
}

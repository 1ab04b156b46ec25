/** The console's shell: navigation, who is signed in, and the current screen (loaded per screen). */
import { render, type FunctionComponent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { currentSession, type Session } from './api.ts';
import { Link, Loading, Problem } from './components.tsx';
import { match, onNavigate, type ScreenProps } from './router.ts';
import './styles.css';

const NAV = [
  { href: '/links', label: 'Links' },
  { href: '/prerender', label: 'Prerender' },
  { href: '/feed', label: 'Feed' },
];

/** The current URL, and whether the operator has moved within the console since the page loaded. */
function useLocation(): { url: URL; moved: boolean } {
  const [state, setState] = useState(() => ({ url: new URL(location.href), moved: false }));
  useEffect(() => onNavigate(() => setState({ url: new URL(location.href), moved: true })), []);
  return state;
}

function App() {
  const { url, moved } = useLocation();
  const [session, setSession] = useState<Session | null>(null);
  const [screen, setScreen] = useState<
    { path: string; Component: FunctionComponent<ScreenProps> } | { path: string; error: unknown } | null
  >(null);
  const heading = useRef<HTMLDivElement>(null);
  const found = match(url.pathname);

  useEffect(() => {
    void currentSession().then(setSession, () => {});
  }, []);

  useEffect(() => {
    if (!found) return;
    document.title = `${found.route.title(found.params)} · Operator console`;
    let current = true;
    found.route.load().then(
      (module) => current && setScreen({ path: url.pathname, Component: module.default }),
      (error: unknown) => current && setScreen({ path: url.pathname, error }),
    );
    return () => {
      current = false;
    };
  }, [url.pathname]);

  // After a navigation, focus moves to the new screen so keyboard and screen-reader users start there.
  useEffect(() => {
    if (moved && screen?.path === url.pathname) heading.current?.focus();
  }, [screen]);

  const section = `/${url.pathname.split('/')[1] ?? ''}`;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <nav aria-label="Console">
          <span class="brand">Operator console</span>
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={section === item.href ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        {session && (
          <form method="post" action="/signout" class="signout">
            <span class="who">{session.operator}</span>
            <input type="hidden" name="csrf" value={session.csrf} />
            <button type="submit">Sign out</button>
          </form>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <div ref={heading} tabIndex={-1} class="screen-focus">
          {!found ? (
            <>
              <h1>Not found</h1>
              <p>
                No screen at {url.pathname}. Go to <Link href="/links">Links</Link>.
              </p>
            </>
          ) : screen === null || screen.path !== url.pathname ? (
            <Loading what="the screen" />
          ) : 'error' in screen ? (
            <Problem error={screen.error} what="This screen" />
          ) : (
            <screen.Component key={url.pathname} params={found.params} search={url.searchParams} />
          )}
        </div>
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

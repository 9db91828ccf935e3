import { lazy, StrictMode, Suspense, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { session, whenUnauthorized } from './api';
import { AgentsPage } from './pages/Agents';
import { AlertsPage } from './pages/Alerts';
import { AuditPage } from './pages/Audit';
import { ApprovalsPage } from './pages/Approvals';
import { MessagesPage } from './pages/Messages';
import { PlansPage } from './pages/Plans';
import { RunDetailPage } from './pages/RunDetail';
import { RunsPage } from './pages/Runs';
import { SchedulesPage } from './pages/Schedules';
import { SignInPage } from './pages/SignIn';
import { WorkflowsPage } from './pages/Workflows';
import { Loading } from './components/ui';
import './styles.css';

// The graph pages carry @xyflow/react, dagre and the schema validator: loaded when first opened.
const BuilderPage = lazy(() => import('./pages/Builder').then((m) => ({ default: m.BuilderPage })));
const WorkflowDetailPage = lazy(() =>
  import('./pages/WorkflowDetail').then((m) => ({ default: m.WorkflowDetailPage })),
);

const TemplatesPage = lazy(() => import('./pages/Templates').then((m) => ({ default: m.TemplatesPage })));
const AnalyticsPage = lazy(() => import('./pages/Analytics').then((m) => ({ default: m.AnalyticsPage })));

const NAV = [
  ['/runs', 'Runs'],
  ['/approvals', 'Approvals'],
  ['/plans', 'Plans'],
  ['/workflows', 'Workflows'],
  ['/builder', 'Builder'],
  ['/templates', 'Templates'],
  ['/agents', 'Agents'],
  ['/analytics', 'Analytics'],
  ['/alerts', 'Alerts'],
  ['/schedules', 'Schedules'],
  ['/messages', 'Messages'],
  ['/audit', 'Audit'],
] as const;

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const [location] = useLocation();
  return (
    <div className="shell">
      <nav aria-label="Main" className="sidebar">
        <Link href="/runs" className="brand">
          Baton
        </Link>
        <ul>
          {NAV.map(([href, label]) => (
            <li key={href}>
              <Link href={href} aria-current={location.startsWith(href) ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          ))}
        </ul>
        <button type="button" className="link sign-out" onClick={onSignOut}>
          Sign out
        </button>
      </nav>
      <main>
        <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/runs" component={RunsPage} />
            <Route path="/runs/:id">{(p) => <RunDetailPage id={decodeURIComponent(p.id)} />}</Route>
            <Route path="/approvals" component={ApprovalsPage} />
            <Route path="/plans" component={PlansPage} />
            <Route path="/workflows" component={WorkflowsPage} />
            <Route path="/workflows/:name">{(p) => <WorkflowDetailPage name={decodeURIComponent(p.name)} />}</Route>
            <Route path="/builder" component={BuilderPage} />
            <Route path="/templates" component={TemplatesPage} />
            <Route path="/agents" component={AgentsPage} />
            <Route path="/analytics" component={AnalyticsPage} />
            <Route path="/alerts" component={AlertsPage} />
            <Route path="/schedules" component={SchedulesPage} />
            <Route path="/messages" component={MessagesPage} />
            <Route path="/audit" component={AuditPage} />
            <Route>
              <Redirect to="/runs" />
            </Route>
          </Switch>
        </Suspense>
      </main>
    </div>
  );
}

function App() {
  // A token in localStorage, or a member's session cookie (only the API can tell: it is HttpOnly).
  const [signedIn, setSignedIn] = useState<boolean | null>(() => (session.token() ? true : null));
  const [location, navigate] = useLocation();
  useEffect(
    () =>
      whenUnauthorized(() => {
        session.signOut();
        setSignedIn(false);
      }),
    [],
  );
  useEffect(() => {
    if (signedIn !== null) return;
    fetch('/auth/session')
      .then((res) => res.json() as Promise<{ signedIn?: boolean }>)
      .then(
        (body) => setSignedIn(body.signedIn === true),
        () => setSignedIn(false),
      );
  }, [signedIn]);
  if (signedIn === null) return <Loading />;
  if (!signedIn) {
    return (
      <SignInPage
        onSignedIn={() => {
          setSignedIn(true);
          if (location === '/sign-in' || location === '/') navigate('/runs');
        }}
      />
    );
  }
  return (
    <Shell
      onSignOut={() => {
        session.signOut();
        void fetch('/auth/sign-out', { method: 'POST' });
        setSignedIn(false);
        navigate('/sign-in');
      }}
    />
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

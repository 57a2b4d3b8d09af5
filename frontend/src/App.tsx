// Routes: / (the front page), /judge, /signin, /signup, /upload, /me,
// /compare, /top, /developers, /privacy, /terms, /account, /forgot-password,
// /reset-password, /moderation and /photos/:id (the same list as
// routes.json); any other path shows the not-found page. The
// server answers every path with index.html (api/server.go serveWebApp), so
// links are plain paths.
import { useMutation } from 'urql';
import { AuthPage } from './auth/AuthPage';
import { graphql } from './gql';
import { resetSocket } from './graphql/client';
import { HomePage } from './home/HomePage';
import { DevelopersPage } from './developers/DevelopersPage';
import { TopPage } from './top/TopPage';
import { JudgePage } from './judge/JudgePage';
import { ComparePage } from './results/ComparePage';
import { MyPhotosPage } from './results/MyPhotosPage';
import { PhotoPage } from './results/PhotoPage';
import { PrivacyPage } from './legal/PrivacyPage';
import { AccountPage } from './account/AccountPage';
import { ForgotPasswordPage } from './account/ForgotPasswordPage';
import { ResetPasswordPage } from './account/ResetPasswordPage';
import { ModerationPage } from './moderation/ModerationPage';
import { useIsModerator } from './moderation/useModerator';
import { TermsPage } from './legal/TermsPage';
import { Footer } from './ui/Footer';
import { NotFoundPage } from './ui/NotFoundPage';
import { navigate, onLinkClick, usePath } from './router';
import { UploadPage } from './upload/UploadPage';
import { useViewer } from './viewer';

export const SignOutMutation = graphql(`
  mutation SignOut {
    signOut {
      ok
    }
  }
`);

function Account({ path }: { path: string }) {
  const { viewer, loading } = useViewer();
  const [out, signOut] = useMutation(SignOutMutation);
  const moderator = useIsModerator(!!viewer?.user);
  if (loading) return null;
  const cur = (p: string) => (path === p ? ('page' as const) : undefined);
  if (!viewer?.user) {
    return (
      <a href={`/signin${path.startsWith('/sign') || path === '/' ? '' : `?next=${encodeURIComponent(path)}`}`} aria-current={cur('/signin')}>
        Sign in
      </a>
    );
  }
  return (
    <>
      <a href="/me" aria-current={cur('/me')}>
        <span className="visually-hidden">My photos, signed in as </span>
        <span className="handle">{viewer.user.handle}</span>
      </a>
      {/* On a phone these two are icons (aria-label keeps their names), so the header keeps to two rows. */}
      {moderator && (
        <a href="/moderation" aria-current={cur('/moderation')} aria-label="Moderation" title="Moderation">
          <span className="nav-icon" aria-hidden="true">
            ⚖
          </span>
          <span className="nav-label">Moderation</span>
        </a>
      )}
      <a href="/account" aria-current={cur('/account')} aria-label="Account" title="Account">
        <span className="nav-icon" aria-hidden="true">
          ⚙
        </span>
        <span className="nav-label">Account</span>
      </a>
      <button
        type="button"
        className="link-button"
        disabled={out.fetching}
        onClick={async () => {
          await signOut({});
          resetSocket();
          navigate('/');
        }}
      >
        Sign out
      </button>
    </>
  );
}

export function App() {
  const path = usePath().replace(/\/+$/, '') || '/';
  let page;
  const photo = /^\/photos\/([^/]+)$/.exec(path);
  if (path === '/') page = <HomePage />;
  else if (path === '/judge') page = <JudgePage />;
  else if (path === '/signin') page = <AuthPage key="signin" mode="signin" />;
  else if (path === '/signup') page = <AuthPage key="signup" mode="signup" />;
  else if (path === '/upload') page = <UploadPage />;
  else if (path === '/me') page = <MyPhotosPage />;
  else if (path === '/compare') page = <ComparePage />;
  else if (path === '/top') page = <TopPage />;
  else if (path === '/developers') page = <DevelopersPage />;
  else if (path === '/privacy') page = <PrivacyPage />;
  else if (path === '/terms') page = <TermsPage />;
  else if (path === '/account') page = <AccountPage />;
  else if (path === '/forgot-password') page = <ForgotPasswordPage />;
  else if (path === '/reset-password') page = <ResetPasswordPage />;
  else if (path === '/moderation') page = <ModerationPage />;
  else if (photo) page = <PhotoPage key={photo[1]} id={decodeURIComponent(photo[1])} />;
  else page = <NotFoundPage />;
  return (
    <div className="app" onClick={onLinkClick}>
      <header className="topbar">
        <a href="/" className="brand">
          FaceStat
        </a>
        <nav aria-label="Main">
          <a href="/judge" aria-current={path === '/judge' ? 'page' : undefined}>
            Judge
          </a>
          <a href="/top" aria-current={path === '/top' ? 'page' : undefined}>
            Top
          </a>
          <a href="/upload" aria-current={path === '/upload' ? 'page' : undefined}>
            Upload
          </a>
          <Account path={path} />
        </nav>
      </header>
      {page}
      <Footer path={path} />
    </div>
  );
}

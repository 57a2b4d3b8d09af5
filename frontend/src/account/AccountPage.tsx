// /account, for accounts: change the password, see and end sessions,
// download a copy of one's data, delete the account.
import { useEffect, useId, useRef, useState } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { friendlyError, refusalOf } from '../graphql/errors';
import { resetSocket } from '../graphql/client';
import { navigate } from '../router';
import { Skeleton } from '../ui/Skeleton';
import { useViewer } from '../viewer';
import { describeAgent } from './agent';
import { ExportFailed, waitForExport } from './exportDownload';
import { Field, Problem, passwordInput, useAccountForm } from './fields';
import { accountProblem, checkNewPassword } from './messages';
import { when } from '../ui/when';

export const AccountSessionFields = graphql(`
  fragment AccountSessionFields on AccountSession {
    id
    current
    createdAt
    expiresAt
    userAgent
  }
`);

export const AccountSessionsQuery = graphql(`
  query AccountSessions {
    viewer {
      id
      sessions {
        ...AccountSessionFields
      }
    }
  }
`);

export const ChangePasswordMutation = graphql(`
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) {
      endedSessions
      viewer {
        id
        sessions {
          ...AccountSessionFields
        }
      }
    }
  }
`);

export const SignOutOtherSessionsMutation = graphql(`
  mutation SignOutOtherSessions {
    signOutOtherSessions {
      endedSessions
    }
  }
`);

export const ExportMyDataMutation = graphql(`
  mutation ExportMyData {
    exportMyData {
      url
      ready
      expiresAt
    }
  }
`);

export const DeleteAccountMutation = graphql(`
  mutation DeleteAccount($input: DeleteAccountInput!) {
    deleteAccount(input: $input) {
      ok
    }
  }
`);

export function AccountPage() {
  const { viewer, loading } = useViewer();
  // Once deleted, the page says goodbye instead of sending to sign in.
  const [deleted, setDeleted] = useState(false);
  const needsAccount = !deleted && !loading && (!viewer || viewer.isAnonymous);
  useEffect(() => {
    if (needsAccount) navigate('/signin?next=/account', { replace: true });
  }, [needsAccount]);

  if (deleted) {
    return (
      <main className="narrow account">
        <h1>Your account is deleted</h1>
        <p role="status">
          Goodbye. Your account, your photos and everything worked out from them are gone. Thank you for judging with
          us.
        </p>
        <p className="actions">
          <a className="primary button-link" href="/">
            Go to the front page
          </a>
        </p>
      </main>
    );
  }
  if (loading || needsAccount || !viewer?.user) {
    return (
      <main className="narrow account">
        <h1>Your account</h1>
        <p role="status">{needsAccount ? 'This page needs an account: taking you to sign in…' : 'Loading…'}</p>
      </main>
    );
  }
  return (
    <main className="narrow account">
      <h1>Your account</h1>
      <p className="small">
        Signed in as <strong className="handle">{viewer.user.handle}</strong>. Your photos are on{' '}
        <a href="/me">My photos</a>.
      </p>
      <ChangePassword />
      <Sessions />
      <ExportData />
      <DeleteAccount handle={viewer.user.handle} onDeleted={() => setDeleted(true)} />
    </main>
  );
}

function ChangePassword() {
  const form = useAccountForm();
  const { id, show } = form;
  const [current, setCurrent] = useState('');
  const [fresh, setFresh] = useState('');
  const [state, change] = useMutation(ChangePasswordMutation);
  const [done, setDone] = useState<string | null>(null);
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Change your password</h2>
      <form
        className="form"
        noValidate
        aria-busy={state.fetching}
        onSubmit={async (e) => {
          e.preventDefault();
          setDone(null);
          const bad = checkNewPassword(fresh);
          if (bad) return show(bad);
          show(null);
          const r = await change({ input: { currentPassword: current, newPassword: fresh } });
          if (r.error) return show(accountProblem(refusalOf(r.error), 'change'));
          setCurrent('');
          setFresh('');
          const n = r.data?.changePassword.endedSessions ?? 0;
          setDone(
            `Password changed. ${n === 0 ? 'You were signed in nowhere else.' : `Signed out ${n} other ${n === 1 ? 'device' : 'devices'}.`}`,
          );
        }}
      >
        <Field form={form} name="currentPassword" label="Current password" value={current} onChange={setCurrent} {...passwordInput(false)} />
        <Field
          form={form}
          name="newPassword"
          label="New password"
          hint="At least 10 characters. Your other devices are signed out."
          value={fresh}
          onChange={setFresh}
          {...passwordInput(true)}
        />
        <Problem form={form} />
        {done && (
          <p className="notice" role="status">
            {done}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={state.fetching || !current || !fresh}>
            {state.fetching ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}

function Sessions() {
  const id = useId();
  const [r, refetch] = useQuery({ query: AccountSessionsQuery, requestPolicy: 'cache-and-network' });
  const [out, signOutOthers] = useMutation(SignOutOtherSessionsMutation);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // This device first, then the others newest first (the server's order).
  const sessions = [...(r.data?.viewer?.sessions ?? [])].sort((a, b) => Number(b.current) - Number(a.current));
  const others = sessions.filter((s) => !s.current).length;
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Where you are signed in</h2>
      {r.fetching && !r.data && <Skeleton label="Loading your sessions" photo={false} lines={2} />}
      {r.error && !r.data && (
        <p className="error" role="alert">
          {friendlyError(r.error)}
        </p>
      )}
      {sessions.length > 0 && (
        <ul className="sessions">
          {sessions.map((s) => (
            <li key={s.id}>
              <span className="session-device" title={s.userAgent ?? undefined}>
                {describeAgent(s.userAgent)}
                {s.current && <span className="badge stable">This device</span>}
              </span>
              <span className="small">
                Signed in {when(s.createdAt)} · ends {when(s.expiresAt)} unless used
              </span>
            </li>
          ))}
        </ul>
      )}
      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className="secondary"
          disabled={out.fetching || (r.data !== undefined && others === 0)}
          onClick={async () => {
            setMessage(null);
            setError(null);
            const m = await signOutOthers({});
            if (m.error) return setError(friendlyError(m.error));
            const n = m.data?.signOutOtherSessions.endedSessions ?? 0;
            setMessage(n === 0 ? 'You were signed in nowhere else.' : `Signed out ${n} other ${n === 1 ? 'device' : 'devices'}.`);
            refetch({ requestPolicy: 'network-only' });
          }}
        >
          {out.fetching ? 'Signing out…' : 'Sign out other devices'}
        </button>
      </div>
    </section>
  );
}

type ExportPhase =
  | { kind: 'idle' }
  | { kind: 'building' }
  | { kind: 'ready'; url: string; expiresAt: string }
  | { kind: 'failed'; text: string };

function ExportData() {
  const id = useId();
  const client = useClient();
  const [phase, setPhase] = useState<ExportPhase>({ kind: 'idle' });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  async function start() {
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    setPhase({ kind: 'building' });
    const m = await client.mutation(ExportMyDataMutation, {}).toPromise();
    if (m.error || !m.data) {
      setPhase({ kind: 'failed', text: m.error ? exportProblem(m.error) : 'The export could not start. Try again.' });
      return;
    }
    const { url, ready, expiresAt } = m.data.exportMyData;
    try {
      if (!ready) await waitForExport(url, { signal: ctl.signal });
      setPhase({ kind: 'ready', url, expiresAt });
    } catch (e) {
      if (ctl.signal.aborted) return;
      setPhase({ kind: 'failed', text: e instanceof ExportFailed ? e.message : 'The export failed. Try again.' });
    }
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Download your data</h2>
      <p className="small">
        A ZIP file with your account, your photos with their results, and the votes you cast. Building it can take a
        minute; the link works for you alone, for a while.
      </p>
      <div aria-live="polite">
        {phase.kind === 'building' && <p role="status">Building your export…</p>}
        {phase.kind === 'ready' && (
          <p className="notice">
            Your export is ready.{' '}
            <a className="primary button-link" href={phase.url} download>
              Download the ZIP
            </a>{' '}
            <span className="small">The link works until {when(phase.expiresAt)}.</span>
          </p>
        )}
        {phase.kind === 'failed' && (
          <p className="error" role="alert">
            {phase.text}
          </p>
        )}
      </div>
      {phase.kind !== 'ready' && (
        <div className="actions">
          <button type="button" className="secondary" disabled={phase.kind === 'building'} onClick={() => void start()}>
            {phase.kind === 'building' ? 'Preparing…' : 'Download my data'}
          </button>
        </div>
      )}
    </section>
  );
}

function exportProblem(err: Parameters<typeof refusalOf>[0]): string {
  const r = refusalOf(err);
  if (r.code === 'RATE_LIMITED') return `You asked for several exports lately. ${retryIn(r.retryAfter)}`;
  return friendlyError(err);
}

function retryIn(seconds: number | undefined): string {
  if (!seconds) return 'Try again later.';
  const h = Math.ceil(seconds / 3600);
  return seconds > 5400 ? `Try again in ${h} hours.` : `Try again in ${Math.max(1, Math.ceil(seconds / 60))} min.`;
}

function DeleteAccount({ handle, onDeleted }: { handle: string; onDeleted: () => void }) {
  const form = useAccountForm();
  const { id, show } = form;
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [typed, setTyped] = useState('');
  const [state, del] = useMutation(DeleteAccountMutation);
  const matches = typed.trim() === handle;
  return (
    <section className="card danger-zone" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Delete your account</h2>
      <p className="small">
        Your account, your photos, their images and results, your sessions and exports are erased for good. Votes you
        cast on others&apos; photos stay only as anonymous contributions. See the <a href="/privacy">privacy page</a>.
      </p>
      {!open ? (
        <button type="button" className="danger-outline" onClick={() => setOpen(true)}>
          Delete my account…
        </button>
      ) : (
        <form
          className="form"
          noValidate
          aria-busy={state.fetching}
          onSubmit={async (e) => {
            e.preventDefault();
            if (!matches || !password) return;
            show(null);
            const r = await del({ input: { password } });
            if (r.error) return show(accountProblem(refusalOf(r.error), 'delete'));
            resetSocket();
            onDeleted();
          }}
        >
          <Field form={form} name="password" label="Your password" value={password} onChange={setPassword} {...passwordInput(false)} />
          <Field
            form={form}
            name="confirm"
            label={
              <>
                Type your handle, <strong className="handle">{handle}</strong>, to confirm
              </>
            }
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            value={typed}
            onChange={setTyped}
          />
          <Problem form={form} />
          <div className="actions">
            <button type="submit" className="danger" disabled={state.fetching || !matches || !password}>
              {state.fetching ? 'Deleting…' : 'Delete my account for good'}
            </button>
            <button type="button" className="secondary" onClick={() => setOpen(false)} disabled={state.fetching}>
              Keep it
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

// /reset-password?token=…: the e-mailed link. The token is taken out of the
// address as soon as the page reads it (resetToken.ts), and the page asks
// browsers to send no Referer from it.
import { useEffect, useId, useState } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { refusalOf } from '../graphql/errors';
import { accountProblem, checkNewPassword, type AccountProblem } from './messages';
import { forgetResetToken, takeResetToken } from './resetToken';

export const ResetPasswordMutation = graphql(`
  mutation ResetPassword($input: ResetPasswordInput!) {
    resetPassword(input: $input) {
      ok
    }
  }
`);

/** Adds <meta name="referrer" content="no-referrer"> while mounted. */
function useNoReferrer() {
  useEffect(() => {
    const meta = document.createElement('meta');
    meta.name = 'referrer';
    meta.content = 'no-referrer';
    document.head.appendChild(meta);
    return () => meta.remove();
  }, []);
}

export function ResetPasswordPage() {
  useNoReferrer();
  const id = useId();
  const [token] = useState(() => takeResetToken(window.location, window.history));
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [state, reset] = useMutation(ResetPasswordMutation);
  const [problem, setProblem] = useState<AccountProblem | null>(null);
  const [done, setDone] = useState(false);

  if (done) {
    return (
      <main className="narrow">
        <h1>Password changed</h1>
        <p className="notice" role="status">
          Your password is changed and every device was signed out. Sign in with the new one.
        </p>
        <p className="actions">
          <a className="primary button-link" href="/signin">
            Sign in
          </a>
        </p>
      </main>
    );
  }
  if (!token || problem?.field === 'token') {
    return (
      <main className="narrow">
        <h1>Choose a new password</h1>
        <p className="error" role="alert">
          {problem?.text ?? 'This page needs the link from the e-mail we sent. Open the link again, or ask for a new one.'}
        </p>
        <p className="actions">
          <a className="primary button-link" href="/forgot-password">
            Ask for a new link
          </a>
        </p>
      </main>
    );
  }
  const bad = (f: 'newPassword') => problem?.field === f || undefined;
  return (
    <main className="narrow">
      <h1>Choose a new password</h1>
      <form
        className="form"
        noValidate
        aria-busy={state.fetching}
        onSubmit={async (e) => {
          e.preventDefault();
          const wrong = checkNewPassword(password, again);
          if (wrong) {
            setProblem(wrong);
            document.getElementById(`${id}-newPassword`)?.focus();
            return;
          }
          setProblem(null);
          const r = await reset({ input: { token, newPassword: password } });
          if (r.error) {
            setProblem(accountProblem(refusalOf(r.error), 'reset'));
            return;
          }
          forgetResetToken();
          setDone(true);
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-newPassword`}>New password</label>
          <input
            id={`${id}-newPassword`}
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            maxLength={256}
            aria-invalid={bad('newPassword')}
            aria-describedby={problem ? `${id}-problem` : `${id}-hint`}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <span id={`${id}-hint`} className="hint">
            At least 10 characters.
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-again`}>The new password again</label>
          <input
            id={`${id}-again`}
            type="password"
            autoComplete="new-password"
            required
            value={again}
            onChange={(e) => setAgain(e.target.value)}
          />
        </div>
        {problem && (
          <p id={`${id}-problem`} className="error" role="alert">
            {problem.text}
          </p>
        )}
        <button type="submit" className="primary" disabled={state.fetching || !password || !again}>
          {state.fetching ? 'Saving…' : 'Set the new password'}
        </button>
      </form>
    </main>
  );
}

// /reset-password?token=…: the e-mailed link. The token is taken out of the
// address as soon as the page reads it (resetToken.ts), and the page asks
// browsers to send no Referer from it.
import { useEffect, useState } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { refusalOf } from '../graphql/errors';
import { Field, Problem, passwordInput, useAccountForm } from './fields';
import { accountProblem, checkNewPassword } from './messages';
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
  const form = useAccountForm();
  const { problem, show } = form;
  const [token] = useState(() => takeResetToken(window.location, window.history));
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [state, reset] = useMutation(ResetPasswordMutation);
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
          if (wrong) return show(wrong);
          show(null);
          const r = await reset({ input: { token, newPassword: password } });
          if (r.error) return show(accountProblem(refusalOf(r.error), 'reset'));
          forgetResetToken();
          setDone(true);
        }}
      >
        <Field
          form={form}
          name="newPassword"
          label="New password"
          hint="At least 10 characters."
          value={password}
          onChange={setPassword}
          {...passwordInput(true)}
        />
        <Field form={form} name="again" label="The new password again" value={again} onChange={setAgain} {...passwordInput(true)} />
        <Problem form={form} />
        <button type="submit" className="primary" disabled={state.fetching || !password || !again}>
          {state.fetching ? 'Saving…' : 'Set the new password'}
        </button>
      </form>
    </main>
  );
}

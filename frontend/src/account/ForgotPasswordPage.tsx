// /forgot-password: asks for an e-mail link to reset the password. The
// answer is the same whether or not the address has an account.
import { useState } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { refusalOf } from '../graphql/errors';
import { Field, Problem, useAccountForm } from './fields';
import { accountProblem } from './messages';

export const RequestPasswordResetMutation = graphql(`
  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {
    requestPasswordReset(input: $input) {
      ok
    }
  }
`);

export const RESET_SENT =
  'If an account uses this address, we sent it a link to choose a new password. The link works for 30 minutes, once.';

export function ForgotPasswordPage() {
  const form = useAccountForm();
  const [email, setEmail] = useState('');
  const [state, request] = useMutation(RequestPasswordResetMutation);
  const [sent, setSent] = useState(false);
  return (
    <main className="narrow">
      <h1>Forgot your password?</h1>
      {sent ? (
        <>
          <p className="notice" role="status">
            {RESET_SENT}
          </p>
          <p className="small">
            No e-mail after a few minutes? Check the spam folder, or{' '}
            <button type="button" className="link-button inline" onClick={() => setSent(false)}>
              ask again
            </button>
            .
          </p>
          <p>
            <a href="/signin">Back to sign in</a>
          </p>
        </>
      ) : (
        <>
          <p className="small">Type the e-mail address of your account: we send a link to choose a new password.</p>
          <form
            className="form"
            noValidate
            aria-busy={state.fetching}
            onSubmit={async (e) => {
              e.preventDefault();
              form.show(null);
              const address = email.trim();
              if (!address.includes('@')) return form.show({ field: 'email', text: 'That does not look like an email address.' });
              const r = await request({ input: { email: address } });
              if (r.error) return form.show(accountProblem(refusalOf(r.error), 'forgot'));
              setSent(true);
            }}
          >
            <Field
              form={form}
              name="email"
              label="Email"
              type="email"
              autoComplete="email"
              required
              maxLength={254}
              value={email}
              onChange={setEmail}
            />
            <Problem form={form} />
            <button type="submit" className="primary" disabled={state.fetching || !email.trim()}>
              {state.fetching ? 'Sending…' : 'Send me a link'}
            </button>
          </form>
          <p className="small">
            Remembered it? <a href="/signin">Sign in</a>
          </p>
        </>
      )}
    </main>
  );
}

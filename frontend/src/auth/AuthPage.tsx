// Sign up (/signup) and sign in (/signin). The session lives in HttpOnly
// cookies (`cookie: true`); an anonymous judge keeps their votes.
import { useId, useState } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { refusalOf } from '../graphql/errors';
import { resetSocket } from '../graphql/client';
import { navigate, nextParam } from '../router';
import { authProblem, type AuthField, type AuthProblem } from './messages';

export const SignUpMutation = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      expiresAt
      viewer {
        ...ViewerFields
      }
    }
  }
`);

export const SignInMutation = graphql(`
  mutation SignIn($input: SignInInput!) {
    signIn(input: $input) {
      expiresAt
      viewer {
        ...ViewerFields
      }
    }
  }
`);

export function AuthPage({ mode }: { mode: 'signin' | 'signup' }) {
  const id = useId();
  const [handle, setHandle] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<AuthProblem | null>(null);
  const [signUpState, signUp] = useMutation(SignUpMutation);
  const [signInState, signIn] = useMutation(SignInMutation);
  const busy = signUpState.fetching || signInState.fetching;
  const next = nextParam(window.location.search, '/me');
  const signup = mode === 'signup';

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setProblem(null);
    const r = signup
      ? await signUp({ input: { handle: handle.trim(), email: email.trim(), password, cookie: true } })
      : await signIn({ input: { email: email.trim(), password, cookie: true } });
    if (r.error) {
      const p = authProblem(refusalOf(r.error));
      setProblem(p);
      if (p.field) document.getElementById(`${id}-${p.field}`)?.focus();
      return;
    }
    // The socket was opened (if at all) with the old session's cookie.
    resetSocket();
    navigate(next, { replace: true });
  }

  const fieldProps = (f: AuthField) => {
    const bad = problem?.field === f;
    return {
      id: `${id}-${f}`,
      'aria-invalid': bad || undefined,
      'aria-describedby': bad ? `${id}-problem` : undefined,
    };
  };
  const other = signup ? '/signin' : '/signup';
  const keepNext = next !== '/me' ? `?next=${encodeURIComponent(next)}` : '';

  return (
    <main className="narrow">
      <h1>{signup ? 'Create your account' : 'Sign in'}</h1>
      <p className="small">
        {signup
          ? 'Upload your photo and see how strangers see you. Votes you cast so far stay yours.'
          : 'Welcome back. Votes you cast so far stay yours.'}
      </p>
      <form className="form" onSubmit={submit} noValidate aria-busy={busy}>
        {signup && (
          <div className="field">
            <label htmlFor={`${id}-handle`}>Handle</label>
            <input
              {...fieldProps('handle')}
              name="handle"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              minLength={3}
              maxLength={30}
              pattern="[A-Za-z0-9_]{3,30}"
              value={handle}
              onChange={(e) => setHandle(e.target.value)}
            />
            <span className="hint">3 to 30 of a–z, 0–9 and _. Others see it.</span>
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            {...fieldProps('email')}
            name="email"
            type="email"
            autoComplete={signup ? 'email' : 'username'}
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            {...fieldProps('password')}
            name="password"
            type="password"
            autoComplete={signup ? 'new-password' : 'current-password'}
            required
            minLength={signup ? 10 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {signup && <span className="hint">At least 10 characters.</span>}
          {!signup && (
            <span className="hint">
              <a href="/forgot-password">Forgot your password?</a>
            </span>
          )}
        </div>
        {problem && (
          <p id={`${id}-problem`} className="error" role="alert">
            {problem.text}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? (signup ? 'Creating…' : 'Signing in…') : signup ? 'Sign up' : 'Sign in'}
        </button>
      </form>
      <p className="small">
        {signup ? 'Have an account? ' : 'New here? '}
        <a href={other + keepNext}>{signup ? 'Sign in' : 'Create an account'}</a>
      </p>
    </main>
  );
}

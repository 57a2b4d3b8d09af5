// API keys on /developers, for accounts: create one (name, scopes; the key
// is shown once, with a copy button), list and revoke the live ones.
import { useId, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { friendlyError, refusalOf } from '../graphql/errors';
import { checkKeyName, keyProblem, MAX_KEY_NAME, MAX_KEYS, scopesFor } from './keys';

export const ApiKeyFields = graphql(`
  fragment ApiKeyFields on ApiKey {
    id
    name
    scopes
    createdAt
    lastUsedAt
  }
`);

export const ApiKeysQuery = graphql(`
  query ApiKeys {
    viewer {
      id
      apiKeys {
        ...ApiKeyFields
      }
    }
  }
`);

export const CreateApiKeyMutation = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      key
      apiKey {
        ...ApiKeyFields
      }
    }
  }
`);

export const RevokeApiKeyMutation = graphql(`
  mutation RevokeApiKey($input: RevokeApiKeyInput!) {
    revokeApiKey(input: $input) {
      id
    }
  }
`);

export function ApiKeys() {
  const id = useId();
  const [r, refetch] = useQuery({ query: ApiKeysQuery, requestPolicy: 'cache-and-network' });
  const [created, create] = useMutation(CreateApiKeyMutation);
  const [, revoke] = useMutation(RevokeApiKeyMutation);
  const [name, setName] = useState('');
  const [write, setWrite] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const keys = r.data?.viewer?.apiKeys ?? [];
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Your API keys</h2>
      <p className="small">
        Send a key as <code>X-Api-Key</code>. A READ key reads what you may read; a WRITE key also votes, skips,
        reports, uploads and changes visibility, as you. No key manages your account. At most {MAX_KEYS} keys.
      </p>
      {r.error && !r.data && (
        <p className="error" role="alert">
          {friendlyError(r.error)}
        </p>
      )}
      {shown && (
        <div className="notice" role="status">
          <p>
            <strong>Copy this key now: it is shown only once.</strong> Keep it secret; anyone holding it acts as you.
          </p>
          <p>
            <code className="api-key" data-testid="new-api-key">{shown}</code>{' '}
            <button
              type="button"
              onClick={async () => {
                await navigator.clipboard?.writeText(shown);
                setCopied(true);
              }}
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
          </p>
        </div>
      )}
      <form
        className="form"
        noValidate
        aria-busy={created.fetching}
        onSubmit={async (e) => {
          e.preventDefault();
          const bad = checkKeyName(name);
          if (bad) return setProblem(bad);
          setProblem(null);
          const res = await create({ input: { name: name.trim(), scopes: scopesFor(write) } });
          if (res.error) return setProblem(keyProblem(refusalOf(res.error)));
          setShown(res.data?.createApiKey.key ?? null);
          setCopied(false);
          setName('');
          refetch({ requestPolicy: 'network-only' });
        }}
      >
        <label>
          Name
          <input value={name} maxLength={MAX_KEY_NAME} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          <input type="checkbox" checked={write} onChange={(e) => setWrite(e.target.checked)} /> Also WRITE (vote,
          upload, change visibility)
        </label>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={created.fetching || keys.length >= MAX_KEYS}>
            {created.fetching ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
      {keys.length > 0 && (
        <ul className="keys">
          {keys.map((k) => (
            <li key={k.id}>
              <strong>{k.name}</strong> {k.scopes.join(', ')} · created {new Date(k.createdAt).toLocaleDateString()} ·{' '}
              {k.lastUsedAt ? `last used ${new Date(k.lastUsedAt).toLocaleString()}` : 'never used'}{' '}
              <button
                type="button"
                onClick={async () => {
                  if (!window.confirm(`Revoke “${k.name}”? Apps using it stop working at once.`)) return;
                  const res = await revoke({ input: { id: k.id } });
                  if (res.error) return setProblem(keyProblem(refusalOf(res.error)));
                  refetch({ requestPolicy: 'network-only' });
                }}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// Asks the owner of a photo uploaded without consent to confirm it, with
// the upload form's three boxes (confirmPhotoConsent).
import { useId, useState } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { friendlyError } from '../graphql/errors';
import { CONSENT_ITEMS, NO_CONSENT, consentComplete, type ConsentChecks } from './consent';

export const ConfirmPhotoConsentMutation = graphql(`
  mutation ConfirmPhotoConsent($input: ConfirmPhotoConsentInput!) {
    confirmPhotoConsent(input: $input) {
      photo {
        ...OwnerPhotoStatusFields
      }
    }
  }
`);

export function ConsentPrompt({ photoId, compact = false }: { photoId: string; compact?: boolean }) {
  const id = useId();
  const [checks, setChecks] = useState<ConsentChecks>(NO_CONSENT);
  const [state, confirm] = useMutation(ConfirmPhotoConsentMutation);
  const [error, setError] = useState<string | null>(null);
  const ready = consentComplete(checks);
  return (
    <form
      className={`card consent-prompt${compact ? ' compact' : ''}`}
      aria-labelledby={`${id}-title`}
      onSubmit={async (e) => {
        e.preventDefault();
        if (!ready) return;
        setError(null);
        const r = await confirm({ input: { photoId, consent: checks } });
        if (r.error) setError(friendlyError(r.error));
      }}
    >
      <h2 id={`${id}-title`}>Confirm your consent</h2>
      <p className="small">This photo was uploaded before FaceStat asked for consent. Please confirm all three.</p>
      <fieldset className="consent">
        <legend className="visually-hidden">Before strangers judge it</legend>
        {CONSENT_ITEMS.map((item) => (
          <label key={item.key} className="check">
            <input
              type="checkbox"
              checked={checks[item.key]}
              disabled={state.fetching}
              onChange={(e) => setChecks((c) => ({ ...c, [item.key]: e.target.checked }))}
            />
            {item.label}
          </label>
        ))}
      </fieldset>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={!ready || state.fetching}>
          {state.fetching ? 'Confirming…' : 'Confirm'}
        </button>
        {compact ? (
          <span className="small">
            Or <a href={`/photos/${photoId}`}>delete the photo</a> from its page.
          </span>
        ) : (
          <span className="small">Or delete the photo instead.</span>
        )}
      </div>
    </form>
  );
}

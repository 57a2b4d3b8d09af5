// The three consents an uploader gives, in the words the upload form and
// the prompt for photos uploaded without them both use.
import type { UploadConsentInput } from '../gql/graphql';

export const CONSENT_ITEMS: readonly { key: keyof UploadConsentInput; label: string }[] = [
  { key: 'showsMe', label: 'This photo shows me' },
  { key: 'adult', label: 'I am an adult (18 or older)' },
  { key: 'acceptsJudging', label: 'I accept that strangers judge it' },
];

export type ConsentChecks = Record<keyof UploadConsentInput, boolean>;

export const NO_CONSENT: ConsentChecks = { showsMe: false, adult: false, acceptsJudging: false };

/** Whether all three are given: the only consent the app sends. */
export function consentComplete(c: ConsentChecks): boolean {
  return CONSENT_ITEMS.every((i) => c[i.key]);
}

/**
 * Whether to ask the owner to confirm consent for a photo: the server
 * answers null for a photo uploaded without it (and undefined means the
 * field was not read, so nothing is asked).
 */
export function needsConsent(photo: { consent?: unknown } | null | undefined): boolean {
  return !!photo && photo.consent === null;
}

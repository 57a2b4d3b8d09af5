// What to tell an uploader whose photo was refused, by extensions.code and
// reason (docs/ERRORS.md), never by message.
import { retryText, throttledText, type Refusal } from '../graphql/errors';

export const ACCEPTED_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

export interface UploadProblem {
  text: string;
  /** The fix needs signing in (again). */
  signIn?: boolean;
}

export function uploadProblem(r: Refusal): UploadProblem {
  if (r.network) return { text: 'The upload did not get through. Check your connection and try again.' };
  switch (r.code) {
    case 'ABORTED':
      return { text: 'Upload cancelled.' };
    case 'BAD_USER_INPUT':
      switch (r.reason) {
        case 'FILE_TOO_LARGE':
        case 'BODY_TOO_LARGE':
          return { text: `That file is too large${r.message ? ` (${r.message})` : ''}. Pick a smaller photo, or a smaller export of it.` };
        case 'NOT_AN_IMAGE':
          return { text: 'That file is not a JPEG, PNG or WebP image, or it is damaged. Pick another photo.' };
        case 'IMAGE_TOO_LARGE':
          return { text: 'That image has too many pixels. Scale it down (say, to 4000 px on the long side) and try again.' };
        case 'IMAGE_TOO_SMALL':
          return { text: 'That picture is too small to show a face. Pick a photo at least 128 pixels on each side.' };
        case 'CONSENT_REQUIRED':
          return { text: 'Confirm the three points above to upload: the photo shows you, you are an adult, and you accept that strangers judge it.' };
        case 'QUOTA_REACHED':
          return { text: 'You have uploaded as many photos as an account may hold. Delete one on “My photos” to upload another.' };
        case 'LENGTH_REQUIRED':
          return { text: 'Your browser sent the photo in a way FaceStat cannot take. Try another browser.' };
        default:
          return { text: r.message ? `That photo cannot be used: ${r.message}` : 'That photo cannot be used.' };
      }
    case 'UNAUTHENTICATED':
      return { text: 'Only accounts can upload photos. Sign in (or create an account) and try again.', signIn: true };
    case 'FORBIDDEN':
      return { text: 'The page is out of date. Reload it and try again.' };
    case 'RATE_LIMITED':
      return { text: `You are uploading too fast. ${retryText(r.retryAfter)}` };
    case 'THROTTLED':
      return { text: throttledText(r.retryAfter) };
    case 'UNAVAILABLE':
      if (r.reason === 'UPLOADS_PAUSED') {
        return { text: `Uploads are paused for a moment while FaceStat is very busy; judging and results still work. ${retryText(r.retryAfter)}` };
      }
      return { text: `FaceStat is busy right now. ${retryText(r.retryAfter)}` };
    default:
      if (r.status === 413) return { text: 'That file is too large. Pick a smaller photo.' };
      return { text: r.message || 'The upload failed. Try again.' };
  }
}

/** Refuses, before sending, what the server would refuse anyway. */
// (The size limit is the server's to enforce: it is configurable.)
export function checkFile(file: { type: string; size: number }): UploadProblem | null {
  if (file.type && !ACCEPTED_TYPES.includes(file.type)) {
    return { text: 'Pick a JPEG, PNG or WebP photo.' };
  }
  if (file.size === 0) return { text: 'That file is empty. Pick another photo.' };
  return null;
}

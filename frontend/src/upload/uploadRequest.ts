// uploadPhoto as a GraphQL multipart request over XMLHttpRequest, which
// (unlike fetch) reports upload progress. The cookie session needs the
// CSRF header here too.
import { print } from 'graphql';
import { graphql } from '../gql';
import type { UploadPhotoMutation as UploadResult } from '../gql/graphql';
import { fromExtensions, type Refusal } from '../graphql/errors';
import { csrfHeaders } from '../graphql/csrf';

export const UploadPhotoMutation = graphql(`
  mutation UploadPhoto($input: UploadPhotoInput!) {
    uploadPhoto(input: $input) {
      photo {
        id
        imageUrl
        thumbnailUrl
        width
        height
        isPublic
        voteCount
        createdAt
      }
    }
  }
`);

export type UploadedPhoto = UploadResult['uploadPhoto']['photo'];

export class UploadRefused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message ?? refusal.code ?? 'upload refused');
  }
}

/** The multipart body: operations, map, then the file (in that order, as the spec requires). */
/** What the uploader confirms about the photo (all three, or no upload). */
export const fullConsent = { showsMe: true, adult: true, acceptsJudging: true };

export function multipartBody(file: Blob, isPublic: boolean, name = 'photo', consent = fullConsent): FormData {
  const body = new FormData();
  body.append(
    'operations',
    JSON.stringify({ query: print(UploadPhotoMutation), variables: { input: { file: null, public: isPublic, consent } } }),
  );
  body.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
  body.append('0', file, name);
  return body;
}

/**
 * Reads a response into the uploaded photo or a Refusal. Bodies refused
 * before GraphQL runs (413, 401, 403, 429) have the same JSON shape; a
 * proxy's HTML 413 does not, so the status decides then.
 */
export function readUploadResponse(status: number, text: string, retryAfterHeader?: string | null): UploadedPhoto {
  let json: { data?: UploadResult | null; errors?: { message?: string; extensions?: Record<string, unknown> }[] } | null = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  const first = json?.errors?.[0];
  if (first) {
    const r = fromExtensions(first.extensions ?? {}, first.message);
    if (r.retryAfter === undefined && retryAfterHeader) {
      const n = Number(retryAfterHeader);
      if (n > 0) r.retryAfter = n;
    }
    throw new UploadRefused({ ...r, status });
  }
  const photo = json?.data?.uploadPhoto?.photo;
  if (status >= 200 && status < 300 && photo) return photo;
  const statusCode: Record<number, string> = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 413: 'BAD_USER_INPUT', 429: 'RATE_LIMITED', 503: 'UNAVAILABLE' };
  throw new UploadRefused({
    status,
    code: statusCode[status],
    reason: status === 413 ? 'FILE_TOO_LARGE' : undefined,
    retryAfter: Number(retryAfterHeader) > 0 ? Number(retryAfterHeader) : undefined,
    network: status === 0,
  });
}

export interface UploadHandle {
  done: Promise<UploadedPhoto>;
  abort: () => void;
}

/** Posts the upload; onProgress gets 0..1 as the bytes leave. */
export function uploadPhoto(file: File, isPublic: boolean, onProgress: (share: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<UploadedPhoto>((resolve, reject) => {
    xhr.open('POST', '/graphql');
    xhr.withCredentials = true;
    for (const [k, v] of Object.entries(csrfHeaders(document.cookie))) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('Accept', 'application/graphql-response+json, application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      try {
        onProgress(1);
        resolve(readUploadResponse(xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After')));
      } catch (err) {
        reject(err);
      }
    };
    xhr.onerror = () => reject(new UploadRefused({ network: true }));
    xhr.onabort = () => reject(new UploadRefused({ code: 'ABORTED' }));
    xhr.send(multipartBody(file, isPublic, file.name || 'photo'));
  });
  return { done, abort: () => xhr.abort() };
}

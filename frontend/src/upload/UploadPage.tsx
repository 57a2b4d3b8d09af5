// Upload a face photo (accounts only): drop it or pick it (the camera on
// phones), see it, send it with a real progress bar, then its results.
import { useEffect, useId, useRef, useState } from 'react';
import { useClient } from 'urql';
import { navigate } from '../router';
import { useAccountPage } from '../viewer';
import { ACCEPTED_TYPES, checkFile, uploadProblem, type UploadProblem } from './messages';
import { uploadPhoto, UploadRefused, type UploadHandle } from './uploadRequest';
import { MyPhotosQuery } from '../results/MyPhotosPage';
import { CONSENT_ITEMS, NO_CONSENT, consentComplete, type ConsentChecks } from '../consent/consent';

export function UploadPage() {
  const { loading, needsAccount } = useAccountPage('/upload');
  if (loading || needsAccount) {
    return (
      <main className="narrow">
        <h1>Upload your photo</h1>
        <p role="status">{needsAccount ? 'Uploading needs an account: taking you to sign in…' : 'Loading…'}</p>
      </main>
    );
  }
  return <UploadForm />;
}

function UploadForm() {
  const id = useId();
  const client = useClient();
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [isPublic, setPublic] = useState(false);
  // The uploader's consent: all three, or the form does not send.
  const [consent, setConsent] = useState<ConsentChecks>(NO_CONSENT);
  const consented = consentComplete(consent);
  const [progress, setProgress] = useState<number | null>(null);
  const [problem, setProblem] = useState<UploadProblem | null>(null);
  const [dragging, setDragging] = useState(false);
  const inflight = useRef<UploadHandle | null>(null);

  useEffect(() => () => inflight.current?.abort(), []);
  useEffect(() => {
    if (!file) return setPreview(null);
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  function choose(f: File | undefined | null) {
    if (!f) return;
    setProblem(checkFile(f));
    setFile(f);
  }

  async function send(e: React.FormEvent) {
    e.preventDefault();
    if (!file || progress !== null || !consented) return;
    const bad = checkFile(file);
    if (bad) return setProblem(bad);
    setProblem(null);
    setProgress(0);
    const h = uploadPhoto(file, isPublic, setProgress);
    inflight.current = h;
    try {
      const photo = await h.done;
      // My photos changed: refetch that list next time it shows.
      void client.query(MyPhotosQuery, {}, { requestPolicy: 'network-only' }).toPromise();
      navigate(`/photos/${photo.id}`);
    } catch (err) {
      setProblem(err instanceof UploadRefused ? uploadProblem(err.refusal) : { text: 'The upload failed. Try again.' });
      setProgress(null);
    } finally {
      inflight.current = null;
    }
  }

  const uploading = progress !== null;
  const pct = Math.round((progress ?? 0) * 100);

  return (
    <main className="narrow upload">
      <h1>Upload your photo</h1>
      <p className="small">
        A clear photo of your face works best. We strip location and all other metadata before storing it. It stays
        private unless you make it public; strangers judge it either way.
      </p>
      <form onSubmit={send} className="form" aria-busy={uploading}>
        <div
          className={`dropzone${dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            e.dataTransfer.dropEffect = 'copy';
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            if (!uploading) choose(e.dataTransfer.files[0]);
          }}
        >
          {preview ? (
            <img
              key={preview} // a fresh element per file, so a hidden broken one is not reused
              src={preview}
              alt="Preview of the photo to upload"
              className="upload-preview"
              // A file the browser cannot show (the server will say why it refuses it): no broken image.
              onError={(e) => {
                e.currentTarget.hidden = true;
              }}
            />
          ) : (
            <p aria-hidden="true" className="drop-hint">
              Drop a photo here
            </p>
          )}
          <div className="pickers">
            <label htmlFor={`${id}-file`} className="secondary button-link">
              {file ? 'Pick another photo' : 'Choose a photo'}
            </label>
            <input
              id={`${id}-file`}
              className="visually-hidden"
              type="file"
              accept={ACCEPTED_TYPES.join(',')}
              disabled={uploading}
              aria-describedby={`${id}-types`}
              onChange={(e) => choose(e.target.files?.[0])}
            />
            {/* On phones, `capture` opens the front camera; the picker above keeps the gallery.
                The whole pair is hidden on desktops, so no input is left without a visible label. */}
            <span className="camera-only">
              <label htmlFor={`${id}-camera`} className="secondary button-link">
                Take a selfie
              </label>
              <input
                id={`${id}-camera`}
                className="visually-hidden"
                type="file"
                accept={ACCEPTED_TYPES.join(',')}
                capture="user"
                disabled={uploading}
                onChange={(e) => choose(e.target.files?.[0])}
              />
            </span>
          </div>
          <span id={`${id}-types`} className="hint">
            JPEG, PNG or WebP.{file ? ` Chosen: ${file.name}` : ''}
          </span>
        </div>
        <label className="check">
          <input type="checkbox" checked={isPublic} disabled={uploading} onChange={(e) => setPublic(e.target.checked)} />
          Make it public (shown on the front page and in top lists)
        </label>
        <fieldset className="consent">
          <legend>Before you upload</legend>
          {CONSENT_ITEMS.map((item) => (
            <label key={item.key} className="check">
              <input
                type="checkbox"
                required
                checked={consent[item.key]}
                disabled={uploading}
                onChange={(e) => setConsent((c) => ({ ...c, [item.key]: e.target.checked }))}
              />
              {item.label}
            </label>
          ))}
          <p className="small">
            See the <a href="/terms">terms</a> and what we keep, in the <a href="/privacy">privacy page</a>.
          </p>
        </fieldset>
        {uploading && (
          <div className="progress-row">
            <progress id={`${id}-progress`} max={100} value={pct} aria-label="Upload progress">
              {pct}%
            </progress>
            <span aria-hidden="true">{pct}%</span>
            <span className="visually-hidden" role="status">
              {pct >= 100 ? 'Processing the photo…' : ''}
            </span>
          </div>
        )}
        {problem && (
          <p className="error" role="alert">
            {problem.text}
            {problem.signIn && (
              <>
                {' '}
                <a href="/signin?next=/upload">Sign in</a>
              </>
            )}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={!file || uploading || !consented}>
            {uploading ? (pct >= 100 ? 'Processing…' : `Uploading ${pct}%`) : 'Upload'}
          </button>
          {uploading && (
            <button type="button" className="secondary" onClick={() => inflight.current?.abort()}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </main>
  );
}

// The Report button and its dialog (a native <dialog>: modal, focus kept
// inside, Escape closes it, focus back on the button after): a reason, an
// optional note, then reportPhoto. The judging page moves on to the next
// photo the server answers with; the photo page says thanks.
import { useId, useRef, useState } from 'react';
import { useClient } from 'urql';
import { graphql } from '../gql';
import type { JudgePhotoFragment, ReportReason } from '../gql/graphql';
import { refusalOf } from '../graphql/errors';
import { ensureSession } from '../session';
import { NoteField } from './NoteField';
import { NOTE_MAX, REPORT_REASONS, noteLength, reportProblem } from './reasons';

export const ReportPhotoMutation = graphql(`
  mutation ReportPhoto($input: ReportPhotoInput!) {
    reportPhoto(input: $input) {
      photoId
      next {
        ...JudgePhoto
      }
    }
  }
`);

export interface Reported {
  photoId: string;
  next: JudgePhotoFragment | null;
}

export function ReportButton({
  photoId,
  className = 'link-button report-button',
  onOpenChange,
  onReported,
}: {
  photoId: string;
  className?: string;
  onOpenChange?: (open: boolean) => void;
  onReported: (r: Reported) => void;
}) {
  const id = useId();
  const client = useClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState<ReportReason | null>(null);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const length = noteLength(note);

  function open() {
    setReason(null);
    setNote('');
    setProblem(null);
    dialog.current?.showModal();
    onOpenChange?.(true);
  }

  function close() {
    dialog.current?.close();
  }

  async function send(e: React.FormEvent) {
    e.preventDefault();
    if (!reason) {
      setProblem('Choose why you report this photo.');
      return;
    }
    if (length > NOTE_MAX) return;
    setSending(true);
    setProblem(null);
    try {
      // A visitor on a photo's page may have no session yet: judges report.
      await ensureSession(client);
      const trimmed = note.trim();
      const r = await client
        .mutation(ReportPhotoMutation, { input: { photoId, reason, note: trimmed ? trimmed : null } })
        .toPromise();
      if (r.error || !r.data) {
        setProblem(r.error ? reportProblem(refusalOf(r.error)) : 'The report could not be sent. Try again.');
        return;
      }
      close();
      onReported({ photoId: r.data.reportPhoto.photoId, next: r.data.reportPhoto.next ?? null });
    } catch {
      setProblem('Cannot reach FaceStat. Check your connection and try again.');
    } finally {
      setSending(false);
    }
  }

  return (
    <>
      <button type="button" className={className} onClick={open} aria-haspopup="dialog">
        <span aria-hidden="true">⚑</span> Report
      </button>
      <dialog
        ref={dialog}
        className="report-dialog"
        aria-labelledby={`${id}-title`}
        onClose={() => onOpenChange?.(false)}
        // A click on the backdrop (outside the form) closes it, as Escape does.
        onClick={(e) => {
          if (e.target === dialog.current) close();
        }}
      >
        <form onSubmit={send} className="form" noValidate aria-busy={sending}>
          <h2 id={`${id}-title`}>Report this photo</h2>
          <fieldset className="report-reasons" aria-describedby={problem ? `${id}-problem` : undefined}>
            <legend>What is wrong with it?</legend>
            {REPORT_REASONS.map((r) => (
              <label key={r.value} className={`check${r.value === 'MINOR' ? ' minor' : ''}`}>
                <input
                  type="radio"
                  name={`${id}-reason`}
                  value={r.value}
                  checked={reason === r.value}
                  onChange={() => {
                    setReason(r.value);
                    setProblem(null);
                  }}
                  disabled={sending}
                />
                <span>
                  {r.label}
                  {r.hint && <span className="hint block">{r.hint}</span>}
                </span>
              </label>
            ))}
          </fieldset>
          <NoteField label="Note for the moderators (optional)" value={note} onChange={setNote} disabled={sending} />
          {problem && (
            <p id={`${id}-problem`} className="error" role="alert">
              {problem}
            </p>
          )}
          <div className="actions">
            <button type="submit" className="primary" disabled={sending || length > NOTE_MAX}>
              {sending ? 'Sending…' : 'Send report'}
            </button>
            <button type="button" className="secondary" onClick={close} disabled={sending}>
              Cancel
            </button>
          </div>
          <p className="small">Moderators review reported photos. The owner is not told who reported it.</p>
        </form>
      </dialog>
    </>
  );
}

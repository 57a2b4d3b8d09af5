// A note for the moderators or the log: at most NOTE_MAX characters, with
// a counter that turns red past the limit (the form then refuses to send).
import { useId } from 'react';
import { NOTE_MAX, noteLength } from './reasons';

export function NoteField({
  label,
  value,
  onChange,
  disabled,
  rows = 3,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  disabled?: boolean;
  rows?: number;
}) {
  const id = useId();
  const over = noteLength(value) > NOTE_MAX;
  return (
    <div className="field">
      <label htmlFor={`${id}-note`}>{label}</label>
      <textarea
        id={`${id}-note`}
        rows={rows}
        value={value}
        disabled={disabled}
        aria-invalid={over || undefined}
        aria-describedby={`${id}-count`}
        onChange={(e) => onChange(e.target.value)}
      />
      <span id={`${id}-count`} className={`hint${over ? ' over' : ''}`} aria-live="polite">
        {noteLength(value)} / {NOTE_MAX}
        {over && ' (too long)'}
      </span>
    </div>
  );
}

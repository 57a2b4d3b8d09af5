// The account forms' parts: a form's refusal (focus moves to the field it
// names) and its labelled fields, so that every form marks and describes a
// refused field the same way.
import { useId, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import type { AccountProblem } from './messages';

export function useAccountForm() {
  const id = useId();
  const [problem, setProblem] = useState<AccountProblem | null>(null);
  /** Shows a refusal (null clears it) and focuses the field it names. */
  const show = (p: AccountProblem | null) => {
    setProblem(p);
    if (p?.field) document.getElementById(`${id}-${p.field}`)?.focus();
  };
  return { id, problem, show };
}

export type AccountFormState = ReturnType<typeof useAccountForm>;

/** A password input's attributes: a new one (10 to 256 characters) or the current one. */
export function passwordInput(
  fresh: boolean,
): Pick<InputHTMLAttributes<HTMLInputElement>, 'type' | 'autoComplete' | 'required' | 'minLength' | 'maxLength'> {
  return fresh
    ? { type: 'password', autoComplete: 'new-password', required: true, minLength: 10, maxLength: 256 }
    : { type: 'password', autoComplete: 'current-password', required: true };
}

export function Field({
  form,
  name,
  label,
  hint,
  value,
  onChange,
  ...input
}: {
  form: AccountFormState;
  /** The field a refusal names (AccountProblem.field), or another name. */
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  value: string;
  onChange: (value: string) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'form' | 'id' | 'name' | 'value' | 'onChange'>) {
  const bad = form.problem?.field === name;
  const hintId = hint ? `${form.id}-${name}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={`${form.id}-${name}`}>{label}</label>
      <input
        {...input}
        id={`${form.id}-${name}`}
        aria-invalid={bad || undefined}
        aria-describedby={bad ? `${form.id}-problem` : hintId}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      {hint && (
        <span id={hintId} className="hint">
          {hint}
        </span>
      )}
    </div>
  );
}

/** The form's refusal, announced. */
export function Problem({ form }: { form: AccountFormState }) {
  if (!form.problem) return null;
  return (
    <p id={`${form.id}-problem`} className="error" role="alert">
      {form.problem.text}
    </p>
  );
}

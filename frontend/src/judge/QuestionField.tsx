// One survey question as the control its kind calls for. On a phone only
// the current one shows (styles.css); the others keep their answers.
import { bounds, cleanWord, WORD_MAX, type AnswerValue, type SurveyQuestion } from './answers';

interface Props {
  question: SurveyQuestion;
  value: AnswerValue | undefined;
  /** how: 'tap' for a scale or yes/no button (one tap answers), 'edit' for typing or sliding. */
  onChange: (value: AnswerValue | undefined, how: 'tap' | 'edit') => void;
  disabled?: boolean;
  /** The question the judge is at: the one a phone shows. */
  current?: boolean;
  /** Shown beside the prompt: the key that answers this question. */
  hint?: string;
}

export function QuestionField({ question: q, value, onChange, disabled, hint, current }: Props) {
  const id = `q-${q.key}`;
  // The current question takes focus when a phone swaps it in (JudgePage).
  const box = (kind: string) => ({
    className: `question question-${kind}${current ? ' current' : ''}`,
    disabled,
    tabIndex: current ? -1 : undefined,
  });
  const legend = (
    <legend id={`${id}-label`}>
      {q.prompt}
      {hint && (
        <span className="key-hint" aria-hidden="true">
          {hint}
        </span>
      )}
    </legend>
  );

  switch (q.kind) {
    case 'NUMBER': {
      const { min, max } = bounds(q);
      const n = typeof value === 'number' ? value : undefined;
      const set = (raw: string) => {
        if (raw === '') return onChange(undefined, 'edit');
        const v = Math.round(Number(raw));
        onChange(Number.isFinite(v) ? v : undefined, 'edit');
      };
      return (
        <fieldset {...box('number')}>
          {legend}
          <div className="number-row">
            <input
              type="range"
              min={min}
              max={max}
              step={1}
              value={n ?? Math.round((min + max) / 3)}
              onChange={(e) => set(e.target.value)}
              aria-labelledby={`${id}-label`}
              aria-valuetext={n === undefined ? 'not answered' : String(n)}
              className={n === undefined ? 'unset' : undefined}
            />
            <input
              type="number"
              inputMode="numeric"
              min={min}
              max={max}
              value={n ?? ''}
              placeholder="?"
              onChange={(e) => set(e.target.value)}
              aria-labelledby={`${id}-label`}
            />
          </div>
        </fieldset>
      );
    }
    case 'SCALE': {
      const { min, max } = bounds(q);
      const steps = Array.from({ length: max - min + 1 }, (_, i) => min + i);
      return (
        <fieldset {...box('scale')}>
          {legend}
          <div className="scale" role="group" aria-labelledby={`${id}-label`}>
            {steps.map((v) => (
              <button
                key={v}
                type="button"
                aria-pressed={value === v}
                aria-label={`${v} of ${max}`}
                onClick={() => onChange(value === v ? undefined : v, 'tap')}
              >
                {v}
              </button>
            ))}
          </div>
        </fieldset>
      );
    }
    case 'YES_NO':
      return (
        <fieldset {...box('yesno')}>
          {legend}
          <div className="yesno" role="group" aria-labelledby={`${id}-label`}>
            <button type="button" aria-pressed={value === true} onClick={() => onChange(value === true ? undefined : true, 'tap')}>
              Yes
            </button>
            <button
              type="button"
              aria-pressed={value === false}
              onClick={() => onChange(value === false ? undefined : false, 'tap')}
            >
              No
            </button>
          </div>
        </fieldset>
      );
    case 'WORD':
      return (
        <fieldset {...box('word')}>
          {legend}
          <input
            type="text"
            value={typeof value === 'string' ? value : ''}
            maxLength={WORD_MAX}
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            placeholder="one word"
            onChange={(e) => {
              const w = cleanWord(e.target.value);
              onChange(w === '' ? undefined : w, 'edit');
            }}
            aria-labelledby={`${id}-label`}
          />
        </fieldset>
      );
  }
}

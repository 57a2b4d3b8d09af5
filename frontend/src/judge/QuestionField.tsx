// One survey question as the control its kind calls for.
import { bounds, cleanWord, WORD_MAX, type AnswerValue, type SurveyQuestion } from './answers';

interface Props {
  question: SurveyQuestion;
  value: AnswerValue | undefined;
  onChange: (value: AnswerValue | undefined) => void;
  disabled?: boolean;
  /** Shown beside the prompt: the key that answers this question. */
  hint?: string;
}

export function QuestionField({ question: q, value, onChange, disabled, hint }: Props) {
  const id = `q-${q.key}`;
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
        if (raw === '') return onChange(undefined);
        const v = Math.round(Number(raw));
        onChange(Number.isFinite(v) ? v : undefined);
      };
      return (
        <fieldset className="question question-number" disabled={disabled}>
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
        <fieldset className="question question-scale" disabled={disabled}>
          {legend}
          <div className="scale" role="group" aria-labelledby={`${id}-label`}>
            {steps.map((v) => (
              <button
                key={v}
                type="button"
                aria-pressed={value === v}
                aria-label={`${v} of ${max}`}
                onClick={() => onChange(value === v ? undefined : v)}
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
        <fieldset className="question question-yesno" disabled={disabled}>
          {legend}
          <div className="yesno" role="group" aria-labelledby={`${id}-label`}>
            <button type="button" aria-pressed={value === true} onClick={() => onChange(value === true ? undefined : true)}>
              Yes
            </button>
            <button
              type="button"
              aria-pressed={value === false}
              onClick={() => onChange(value === false ? undefined : false)}
            >
              No
            </button>
          </div>
        </fieldset>
      );
    case 'WORD':
      return (
        <fieldset className="question question-word" disabled={disabled}>
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
              onChange(w === '' ? undefined : w);
            }}
            aria-labelledby={`${id}-label`}
          />
        </fieldset>
      );
  }
}

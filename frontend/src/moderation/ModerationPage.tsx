// /moderation, for moderators: the queue of reported photos (a MINOR report
// first, then hidden ones, then the oldest), each with its reports and the
// actions Restore, Remove and Ban owner (the last two confirmed first), and
// the log of what moderators did.
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import type { ModerationAction, ModerationQueueItemFieldsFragment } from '../gql/graphql';
import { errorCode, friendlyError, refusalOf } from '../graphql/errors';
import { NoteField } from '../report/NoteField';
import { NOTE_MAX, noteLength } from '../report/reasons';
import { Skeleton } from '../ui/Skeleton';
import { useAccountPage } from '../viewer';
import { ACTIONS, moderationProblem } from './moderation';
import { LogView, QueueItemView } from './views';

export const ModerationQueueItemFields = graphql(`
  fragment ModerationQueueItemFields on ModerationQueueItem {
    photo {
      id
      thumbnailUrl
      isPublic
    }
    moderationState
    reportCount
    countedReports
    reportedAt
    reports {
      id
      reason
      note
      counted
      createdAt
      reporter {
        id
        handle
      }
    }
  }
`);

export const ModerationLogEntryFields = graphql(`
  fragment ModerationLogEntryFields on ModerationLogEntry {
    id
    actor
    action
    photoId
    ownerId
    note
    createdAt
  }
`);

export const ModerationQueueQuery = graphql(`
  query ModerationQueue($first: Int!) {
    moderationQueue(first: $first) {
      nodes {
        ...ModerationQueueItemFields
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

export const ModerationLogQuery = graphql(`
  query ModerationLog($first: Int!) {
    moderationLog(first: $first) {
      nodes {
        ...ModerationLogEntryFields
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

export const ModeratePhotoMutation = graphql(`
  mutation ModeratePhoto($input: ModeratePhotoInput!) {
    moderatePhoto(input: $input) {
      entry {
        ...ModerationLogEntryFields
      }
      photo {
        id
        moderationState
      }
    }
  }
`);

const PAGE = 20;

export function ModerationPage() {
  const { loading, needsAccount } = useAccountPage('/moderation');
  const [queueSize, setQueueSize] = useState(PAGE);
  const [logSize, setLogSize] = useState(PAGE);
  const paused = loading || needsAccount;
  const [queue, refetchQueue] = useQuery({
    query: ModerationQueueQuery,
    variables: { first: queueSize },
    pause: paused,
    requestPolicy: 'cache-and-network',
  });
  const [log, refetchLog] = useQuery({
    query: ModerationLogQuery,
    variables: { first: logSize },
    pause: paused,
    requestPolicy: 'cache-and-network',
  });
  const [done, setDone] = useState<string | null>(null);

  if (paused || (queue.fetching && !queue.data && !queue.error)) {
    return (
      <main className="narrow wide moderation">
        <h1>Moderation</h1>
        <Skeleton label="Loading the queue" photo={false} lines={3} />
      </main>
    );
  }
  if (errorCode(queue.error) === 'FORBIDDEN') {
    return (
      <main className="narrow moderation">
        <h1>Moderation</h1>
        <p>This page is for moderators. An operator makes an account a moderator.</p>
      </main>
    );
  }
  const items = queue.data?.moderationQueue.nodes ?? [];
  const entries = log.data?.moderationLog.nodes ?? [];
  const refresh = () => {
    refetchQueue({ requestPolicy: 'network-only' });
    refetchLog({ requestPolicy: 'network-only' });
  };

  return (
    <main className="narrow wide moderation">
      <h1>Moderation</h1>
      <p className="small">
        Reported photos, those to review first at the top: a report that the person looks under 18, then photos hidden by
        reports, then the oldest. Every action goes to the log below, with your handle.
      </p>
      <p className="visually-hidden" role="status">
        {done ?? ''}
      </p>
      {done && (
        <p className="notice" aria-hidden="true">
          {done}
        </p>
      )}
      <section aria-labelledby="queue-title">
        <h2 id="queue-title">Queue</h2>
        {queue.error && !queue.data && (
          <p className="error" role="alert">
            {friendlyError(queue.error)}
          </p>
        )}
        {queue.data && items.length === 0 && <p>No reported photos. Nothing to do.</p>}
        <div className="queue">
          {items.map((item) => (
            <QueueItemView key={item.photo.id} item={item}>
              <ModerateForm
                item={item}
                onDone={(text) => {
                  setDone(text);
                  refresh();
                }}
              />
            </QueueItemView>
          ))}
        </div>
        {queue.data?.moderationQueue.pageInfo.hasNextPage && queueSize < 100 && (
          <button type="button" className="secondary" onClick={() => setQueueSize((n) => Math.min(100, n + PAGE))}>
            Show more
          </button>
        )}
      </section>
      <section aria-labelledby="log-title">
        <h2 id="log-title">Log</h2>
        {log.error && !log.data && (
          <p className="error" role="alert">
            {friendlyError(log.error)}
          </p>
        )}
        {log.data && <LogView entries={entries} />}
        {log.data?.moderationLog.pageInfo.hasNextPage && logSize < 100 && (
          <button type="button" className="secondary" onClick={() => setLogSize((n) => Math.min(100, n + PAGE))}>
            Show more
          </button>
        )}
      </section>
    </main>
  );
}

function ModerateForm({ item, onDone }: { item: ModerationQueueItemFieldsFragment; onDone: (text: string) => void }) {
  const [note, setNote] = useState('');
  const [confirming, setConfirming] = useState<ModerationAction | null>(null);
  const [state, moderate] = useMutation(ModeratePhotoMutation);
  const [problem, setProblem] = useState<string | null>(null);
  const length = noteLength(note);
  const pending = ACTIONS.find((a) => a.value === confirming);

  async function act(action: ModerationAction) {
    setProblem(null);
    const trimmed = note.trim();
    const r = await moderate({ input: { photoId: item.photo.id, action, note: trimmed ? trimmed : null } });
    setConfirming(null);
    if (r.error) {
      setProblem(moderationProblem(refusalOf(r.error)));
      return;
    }
    onDone(`You ${ACTIONS.find((a) => a.value === action)?.done ?? 'acted on'} a photo.`);
  }

  return (
    <div className="moderate">
      <NoteField label="Note for the log (optional)" value={note} onChange={setNote} disabled={state.fetching} rows={2} />
      {!pending ? (
        <div className="actions">
          {ACTIONS.map((a) => (
            <button
              key={a.value}
              type="button"
              className={a.confirm ? 'danger-outline' : 'primary'}
              disabled={state.fetching || length > NOTE_MAX}
              onClick={() => (a.confirm ? setConfirming(a.value) : void act(a.value))}
            >
              {a.label}
              {a.confirm ? '…' : ''}
            </button>
          ))}
        </div>
      ) : (
        <div className="confirm" role="group" aria-label={`Confirm: ${pending.label}`}>
          <p>{pending.confirm}</p>
          <div className="actions">
            <button type="button" className="danger" autoFocus disabled={state.fetching} onClick={() => void act(pending.value)}>
              {state.fetching ? 'Working…' : `Yes, ${pending.label.toLowerCase()}`}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

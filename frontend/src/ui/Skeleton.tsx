// A loading skeleton: grey shapes where the content will be, announced to
// screen readers as one status.
export function Skeleton({ photo = true, lines = 3, label = 'Loading' }: { photo?: boolean; lines?: number; label?: string }) {
  return (
    <div className="skeleton-block" role="status" aria-label={label}>
      {photo && <div className="skeleton skeleton-photo" />}
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton skeleton-line" style={{ width: `${90 - i * 15}%` }} />
      ))}
    </div>
  );
}

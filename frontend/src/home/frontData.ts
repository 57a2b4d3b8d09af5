// The front page's photos as the server inlines them
// (<script id="facestat-data" type="application/json">, frontpage/frontpage.go),
// so the page needs no GraphQL request.

export interface FrontPhoto {
  id: string;
  imageUrl: string;
  thumbnailUrl: string;
  width: number;
  height: number;
  voteCount: number;
  postedBy: { handle: string } | null;
}

export interface FrontData {
  recent: FrontPhoto[];
  top: FrontPhoto[];
}

function isPhoto(p: unknown): p is FrontPhoto {
  if (!p || typeof p !== 'object') return false;
  const o = p as Record<string, unknown>;
  return typeof o.id === 'string' && typeof o.thumbnailUrl === 'string' && typeof o.imageUrl === 'string';
}

function photos(v: unknown): FrontPhoto[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isPhoto).map((p) => ({
    id: p.id,
    imageUrl: p.imageUrl,
    thumbnailUrl: p.thumbnailUrl,
    width: Number(p.width) || 0,
    height: Number(p.height) || 0,
    voteCount: Number(p.voteCount) || 0,
    postedBy: typeof p.postedBy?.handle === 'string' ? { handle: p.postedBy.handle } : null,
  }));
}

/** Parses the inlined JSON; null when it is missing or not what the server writes. */
export function parseFrontData(text: string | null | undefined): FrontData | null {
  if (!text) return null;
  try {
    const raw = JSON.parse(text) as Record<string, unknown> | null;
    if (!raw || typeof raw !== 'object' || (!Array.isArray(raw.recent) && !Array.isArray(raw.top))) return null;
    return { recent: photos(raw.recent), top: photos(raw.top) };
  } catch {
    return null;
  }
}

let cached: FrontData | null | undefined;

/** The data inlined in this page load, read once. */
export function inlinedFrontData(): FrontData | null {
  if (cached === undefined) {
    cached = typeof document === 'undefined' ? null : parseFrontData(document.getElementById('facestat-data')?.textContent);
  }
  return cached;
}

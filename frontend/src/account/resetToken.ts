// The password-reset link's token: read once from the address, then taken
// out of it (history.replaceState), so it stays out of the history, of
// bookmarks and of the Referer of anything the page loads next. Kept in
// memory for this page load only.

let taken: string | null = null;

interface Where {
  pathname: string;
  search: string;
  hash: string;
}

interface History {
  state: unknown;
  replaceState(data: unknown, unused: string, url?: string | URL | null): void;
}

/** Returns the token from where's query (removing it), or the one taken before. */
export function takeResetToken(where: Where, history: History): string | null {
  const params = new URLSearchParams(where.search);
  const token = params.get('token');
  if (token !== null) {
    params.delete('token');
    const rest = params.toString();
    history.replaceState(history.state, '', where.pathname + (rest ? `?${rest}` : '') + where.hash);
    taken = token.trim() || null;
  }
  return taken;
}

/** Forgets the token (after it was used). */
export function forgetResetToken(): void {
  taken = null;
}

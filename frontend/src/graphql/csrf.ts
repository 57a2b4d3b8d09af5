// The browser session is an HttpOnly cookie (fs_session) plus a readable
// CSRF cookie (fs_csrf) that every request repeats in the X-CSRF-Token
// header (double submit; see api/auth.go).

export const CSRF_COOKIE = 'fs_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/** Returns the value of cookie `name` in a `document.cookie` string, or null. */
export function readCookie(cookies: string, name: string): string | null {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}

/** The headers that carry the CSRF token, empty before a session exists. */
export function csrfHeaders(cookies: string): Record<string, string> {
  const token = readCookie(cookies, CSRF_COOKIE);
  return token ? { [CSRF_HEADER]: token } : {};
}

// react-style-singleton's API (Radix's dialogs lock the page's scrolling
// through it) on a constructed stylesheet. The package inserts a <style>
// element, which the Content-Security-Policy (api/csp.go) refuses as inline
// style; a stylesheet adopted through the CSSOM is not inline markup, and
// the policy allows it. vite.config.ts resolves the package to this module.
import { useEffect, type FC } from 'react';

/** Adds a style while at least one user holds it (add/remove counted). */
export function stylesheetSingleton() {
  let users = 0;
  let sheet: CSSStyleSheet | null = null;
  return {
    add(style: string) {
      if (users++ === 0) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(style);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }
    },
    remove() {
      if (--users === 0 && sheet) {
        const done = sheet;
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== done);
        sheet = null;
      }
    },
  };
}

/** A hook that holds styles while the component using it is mounted. */
export function styleHookSingleton(): (styles: string, isDynamic?: boolean) => void {
  const sheet = stylesheetSingleton();
  return (styles, isDynamic) => {
    useEffect(() => {
      sheet.add(styles);
      return () => sheet.remove();
    }, [styles && isDynamic]);
  };
}

/** A component that holds its styles while it is mounted. */
export function styleSingleton(): FC<{ styles: string; dynamic?: boolean }> {
  const useStyle = styleHookSingleton();
  return function Sheet({ styles, dynamic }) {
    useStyle(styles, dynamic);
    return null;
  };
}

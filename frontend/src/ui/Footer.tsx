// The footer on every page: links to the privacy and terms pages.
export function Footer({ path }: { path: string }) {
  const cur = (p: string) => (path === p ? ('page' as const) : undefined);
  return (
    <footer className="site-footer">
      <nav aria-label="About FaceStat">
        <a href="/privacy" aria-current={cur('/privacy')}>
          Privacy
        </a>
        <a href="/terms" aria-current={cur('/terms')}>
          Terms
        </a>
      </nav>
    </footer>
  );
}

// Time to interactive of /judge on a throttled phone profile: Chromium at
// 360x740, CDP Network.emulateNetworkConditions (150 ms latency, 1.6 Mbps
// down, 750 kbps up) and Emulation.setCPUThrottlingRate 4, a fresh context
// (empty cache, new anonymous judge) per run. Reports the time from
// navigation start until the Vote button is enabled and the photo has
// loaded, over 5 runs (median and max), and the JS/CSS the page loaded.
//
//   node frontend/e2e/perf.mjs http://127.0.0.1:8080 [runs]
//
// The server needs photos to judge: perf-serve.mjs starts one (as
// global-setup.mjs does for the tests), seeds it and runs this script.
import { chromium } from '@playwright/test';

const CHROMIUM = process.env.FACESTAT_E2E_CHROMIUM || '/usr/bin/chromium';
const NETWORK = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6 * 1e6) / 8,
  uploadThroughput: (750 * 1e3) / 8,
};
const CPU_SLOWDOWN = 4;

// Runs in the page before its scripts: records performance.now() (ms since
// navigation start) the first time the page is usable.
function watchUsable() {
  const usable = () => {
    const vote = document.querySelector('form.survey button[type="submit"]');
    const img = document.querySelector('img[alt="The face to judge"]');
    return vote && !vote.disabled && img && img.complete && img.naturalWidth > 0;
  };
  const check = () => {
    if (window.__usableAt === undefined && usable()) window.__usableAt = performance.now();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  document.addEventListener('load', check, true); // image loads (capture: load does not bubble)
  const t = setInterval(() => (window.__usableAt === undefined ? check() : clearInterval(t)), 10);
}

async function once(browser, url) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    const assets = [];
    page.on('response', (r) => {
      const type = r.request().resourceType();
      if (type === 'script' || type === 'stylesheet') assets.push(new URL(r.url()).pathname);
    });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', NETWORK);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
    await page.addInitScript(watchUsable);
    await page.goto(new URL('/judge', url).href, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__usableAt !== undefined, null, { timeout: 60_000, polling: 100 });
    const ms = await page.evaluate(() => window.__usableAt);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    return { ms, assets };
  } finally {
    await context.close();
  }
}

export async function measure(url, runs = 5) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run'],
  });
  try {
    const times = [];
    let assets = [];
    for (let i = 0; i < runs; i++) {
      const r = await once(browser, url);
      times.push(r.ms);
      assets = r.assets;
      console.log(`run ${i + 1}: ${Math.round(r.ms)} ms`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    console.log(`assets loaded: ${[...new Set(assets)].join(', ')}`);
    console.log(
      `/judge usable (Vote enabled, photo loaded), ${runs} runs, 360x740, 150 ms / 1.6 Mbps / 750 kbps, CPU x${CPU_SLOWDOWN}: ` +
        `median ${Math.round(median)} ms, max ${Math.round(sorted.at(-1))} ms`,
    );
    return { times, median, max: sorted.at(-1) };
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.argv[2];
  if (!url) {
    console.error('usage: node frontend/e2e/perf.mjs URL [runs]');
    process.exit(2);
  }
  await measure(url, Number(process.argv[3] || 5));
}

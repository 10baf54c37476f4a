// How fast the officers' page paints over a large fleet: a real gateway whose registry holds 10 000
// kitchens in 101 regions (tests/support/fleet-seed.ts, written into state.db before it starts), opened
// cold in Chromium (playwright-core) several times. Measures first paint and first contentful
// paint (the browser's paint timing), the time until the first site card is in the DOM (a
// MutationObserver set before the page's scripts run), the /sites and /regions answers as the page
// (and /devices/due) fetched them, how many elements the page holds, and the time from typing a search or clicking a
// county to the cards changing.
// Run: npm run bench:page [-- --sites N --runs N --out FILE|-]

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { configSchema } from '../gateway/src/config/schema.js';
import { demoConfig } from '../gateway/src/config/demo.js';
import { silentLogger } from '../gateway/src/log.js';
import { startGateway } from '../gateway/src/compose.js';
import { hashToken } from '../dashboard-api/src/token-store.js';
import { chromiumMissing, launchBrowser } from '../tests/support/browser.js';
import { seedFleet } from '../tests/support/fleet-seed.js';
import { machineInfo, writeResult, type BenchResult } from './results.js';

export interface PagePaintOptions {
  sites?: number;
  runs?: number;
  outFile?: string | null;
}

const TOKEN = 'sb_bench-page-viewer-token-0123456789abcdefghijklmnopqr';

/** Runs in the page before its scripts: notes when the first site card appears. */
const WATCH_FIRST_CARD = `
  localStorage.setItem('shaobing.token', ${JSON.stringify(TOKEN)});
  new MutationObserver((_, observer) => {
    if (document.querySelector('#site-cards .site-tile')) {
      window.__firstCardMs = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
`;

interface Load {
  firstPaintMs: number;
  firstContentfulPaintMs: number;
  domContentLoadedMs: number;
  firstCardMs: number;
  sitesFetchMs: number;
  regionsFetchMs: number;
  dueFetchMs: number;
  sitesBytes: number;
  elements: number;
  cards: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : Math.round(s[Math.floor(s.length / 2)]! * 10) / 10;
};

/** One cold load in a fresh context (no cache, no storage): the figures the browser keeps. */
async function coldLoad(browser: Browser, base: string): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  try {
    const page = await context.newPage();
    await page.addInitScript(WATCH_FIRST_CARD);
    await page.goto(base);
    await page.locator('#site-cards .site-tile').first().waitFor({ timeout: 30_000 });
    // In-page code as a string: the repo's TypeScript has no DOM types.
    return await page.evaluate<Load>(`(() => {
      const paint = (name) => performance.getEntriesByType('paint').find((e) => e.name === name)?.startTime ?? -1;
      const fetchOf = (re) => performance.getEntriesByType('resource').find((e) => re.test(e.name));
      const sites = fetchOf(/\\/api\\/v1\\/sites\\?/);
      const regions = fetchOf(/\\/api\\/v1\\/regions/);
      const due = fetchOf(/\\/api\\/v1\\/devices\\/due\\?/);
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        firstPaintMs: paint('first-paint'),
        firstContentfulPaintMs: paint('first-contentful-paint'),
        domContentLoadedMs: nav ? nav.domContentLoadedEventEnd : -1,
        firstCardMs: window.__firstCardMs ?? -1,
        sitesFetchMs: sites ? sites.responseEnd - sites.startTime : -1,
        regionsFetchMs: regions ? regions.responseEnd - regions.startTime : -1,
        dueFetchMs: due ? due.responseEnd - due.startTime : -1,
        sitesBytes: sites ? sites.encodedBodySize : -1,
        elements: document.getElementsByTagName('*').length,
        cards: document.querySelectorAll('.site-tile').length,
      };
    })()`);
  } finally {
    await context.close();
  }
}

/** Milliseconds from `act` to the first site card's id differing from before. */
async function timeToNewCards(page: Page, act: () => Promise<void>): Promise<number> {
  const first = () => page.locator('#site-cards .site-tile').first().getAttribute('data-site');
  const before = await first();
  const start = Date.now();
  await act();
  for (;;) {
    if ((await first()) !== before) return Date.now() - start;
    if (Date.now() - start > 30_000) throw new Error('the cards did not change within 30 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function runPagePaintBench(options: PagePaintOptions = {}): Promise<BenchResult> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const sites = options.sites ?? 10_000;
  const runs = options.runs ?? 5;
  const dataDir = mkdtempSync(join(tmpdir(), 'shaobing-bench-page-'));
  const input = demoConfig();
  input.broker = { ...input.broker, port: 0, host: '127.0.0.1' };
  input.api = { ...input.api, port: 0, host: '127.0.0.1', bootstrapTokens: [{ name: 'bench-viewer', role: 'viewer', tokenHash: hashToken(TOKEN) }] };
  input.storage = { ...input.storage, dataDir };
  const config = configSchema.parse(input);
  // The fleet is written while the gateway is stopped, as a restart after an import finds it: the
  // registry loads it at start (and every part that reads the sites sees all 10 000).
  await (await startGateway(config, { log: silentLogger() })).stop();
  const db = new Database(join(dataDir, 'state.db'));
  const seedStart = performance.now();
  try {
    seedFleet(db, sites, Date.now());
  } finally {
    db.close();
  }
  const seedMs = performance.now() - seedStart;
  const startAt = performance.now();
  const runtime = await startGateway(config, { log: silentLogger() });
  const gatewayStartMs = performance.now() - startAt;
  let browser: Browser | null = null;
  try {
    const base = `http://127.0.0.1:${runtime.apiPort}`;
    browser = await launchBrowser();
    await coldLoad(browser, base); // the first load warms the gateway's statement cache and the OS's
    const loads: Load[] = [];
    for (let i = 0; i < runs; i++) loads.push(await coldLoad(browser, base));

    // Interaction on one open page: a search (300 ms debounce included) and a county picked in the tree.
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.addInitScript(WATCH_FIRST_CARD);
    await page.goto(base);
    await page.locator('#site-cards .site-tile').first().waitFor();
    const searchMs = await timeToNewCards(page, () => page.locator('#site-search').fill('烧烤'));
    await page.locator('#site-search').fill('');
    await page.locator('.region-row:has(.region-pick[data-region="c2"]) .region-toggle').click();
    await page.waitForTimeout(500);
    const countyMs = await timeToNewCards(page, () => page.locator('.region-pick[data-region="c2k3"]').click());
    await context.close();

    const pick = (f: (l: Load) => number) => median(loads.map(f));
    const result: BenchResult = {
      ...machineInfo(),
      loadavg_1m_at_start: Math.round(loadavg()[0]! * 100) / 100,
      sites,
      regions: 101,
      cold_loads: runs,
      seed_ms: Math.round(seedMs),
      gateway_start_ms: Math.round(gatewayStartMs),
      viewport: '1366x768',
      first_paint_ms_p50: pick((l) => l.firstPaintMs),
      first_contentful_paint_ms_p50: pick((l) => l.firstContentfulPaintMs),
      dom_content_loaded_ms_p50: pick((l) => l.domContentLoadedMs),
      first_site_card_ms_p50: pick((l) => l.firstCardMs),
      first_site_card_ms_max: Math.round(Math.max(...loads.map((l) => l.firstCardMs))),
      sites_page_fetch_ms_p50: pick((l) => l.sitesFetchMs),
      regions_fetch_ms_p50: pick((l) => l.regionsFetchMs),
      due_fetch_ms_p50: pick((l) => l.dueFetchMs),
      sites_page_bytes: loads[0]!.sitesBytes,
      dom_elements: loads[0]!.elements,
      site_cards_in_dom: loads[0]!.cards,
      search_to_cards_ms: searchMs,
      county_click_to_cards_ms: countyMs,
    };
    writeResult(options.outFile, 'bench/results/page-paint.json', result);
    return result;
  } finally {
    await browser?.close();
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  const { values } = parseArgs({ options: { sites: { type: 'string' }, runs: { type: 'string' }, out: { type: 'string' } } });
  runPagePaintBench({
    ...(values.sites ? { sites: Number(values.sites) } : {}),
    ...(values.runs ? { runs: Number(values.runs) } : {}),
    ...(values.out ? { outFile: values.out === '-' ? null : values.out } : {}),
  }).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}

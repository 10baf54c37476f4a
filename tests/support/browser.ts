// A real browser for page tests: Debian's chromium driven by playwright-core (no bundled browser
// download; sites and CI run offline). A failing step leaves a screenshot in test-results/.

import { accessSync, constants, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import type { ConfigInput } from '../../gateway/src/config/schema.js';
import { hashToken } from '../../dashboard-api/src/token-store.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Why the page tests cannot run here, or null when they can (`npm test`'s preflight installs it). */
export function chromiumMissing(): string | null {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return null;
  } catch {
    return `no ${CHROMIUM_PATH}; install it with \`apt-get install chromium\` (npm test does so as root: scripts/test-servers.mjs)`;
  }
}

/** Flags measured to work headless as root in a container (Chromium 156, playwright-core). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));

/** Where a test registers what to undo after it: a cleanup list's `push`, or a fixture's `defer`. */
export type Defer = (...cleanups: (() => unknown)[]) => unknown;

/** Launches Chromium; given `defer`, also registers its close there. */
export async function launchBrowser(defer?: Defer): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  defer?.(() => browser.close());
  return browser;
}

/** Runs `body`; if it throws, saves a full-page screenshot of `page` named after `name`, then rethrows. */
export async function screenshotOnFailure<T>(page: Page, name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const path = join(RESULTS_DIR, `${name.replace(/[^\w.-]+/g, '_')}-${Date.now()}.png`);
    // A page that is already gone must not hide the real failure.
    await page.screenshot({ path, fullPage: true }).then(
      () => process.stderr.write(`screenshot of the failure: ${path}\n`),
      (shotErr: unknown) => process.stderr.write(`no screenshot (${String(shotErr)})\n`),
    );
    throw err;
  }
}

/** True when the page is wider than its viewport (a horizontal scroll bar). */
export function hasHorizontalScroll(page: Page): Promise<boolean> {
  // A string: this runs in the page, and the repo's TypeScript has no DOM types.
  return page.evaluate<boolean>('document.documentElement.scrollWidth > document.documentElement.clientWidth');
}

/** The computed background colour of the element, e.g. 'rgb(211, 47, 47)'. */
export function backgroundColor(locator: Locator): Promise<string> {
  // Runs in the page; the repo's TypeScript has no DOM types, hence the narrow cast.
  type PageWindow = { getComputedStyle(el: unknown): { backgroundColor: string } };
  return locator.evaluate((el) => (globalThis as unknown as PageWindow).getComputedStyle(el).backgroundColor);
}

/** How many elements matching `selector` reach past the right edge of the viewport. */
export function countOverflowingRight(page: Page, selector: string): Promise<number> {
  type Rect = { right: number };
  type PageDocument = { documentElement: { clientWidth: number }; querySelectorAll(s: string): Iterable<{ getBoundingClientRect(): Rect }> };
  return page.evaluate((sel) => {
    const doc = (globalThis as unknown as { document: PageDocument }).document;
    const width = doc.documentElement.clientWidth;
    return [...doc.querySelectorAll(sel)].filter((el) => el.getBoundingClientRect().right > width + 0.5).length;
  }, selector);
}

/** Uncaught exceptions thrown by the page's scripts, collected from now on. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
  return errors;
}

/** A duty officer's API token: its name and the secret the page keeps in localStorage. */
export interface Officer {
  readonly name: string;
  readonly secret: string;
}

/** A fresh officer token, random for each test file. */
export function newOfficer(name = 'duty-officer'): Officer {
  return { name, secret: `sb_${randomBytes(32).toString('base64url')}` };
}

/** A config patch: `officer` is a bootstrap token with the officer role (only its hash is stored). */
export function withOfficer(officer: Officer): (input: ConfigInput) => void {
  return (c) => void (c.api = { ...c.api, bootstrapTokens: [{ name: officer.name, role: 'officer', tokenHash: hashToken(officer.secret) }] });
}

/** The desktop the page tests look through unless they say otherwise: 1280×900, in Chinese. */
export const DESKTOP_ZH: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, locale: 'zh-CN' };

/**
 * A new browser context (closed through `defer`) whose page is signed in as `officer` and has
 * opened `url`, with the page's uncaught exceptions collected from before it loaded. The token is
 * set before the page's scripts run, as a signed-in officer's would be.
 */
export async function openAsOfficer(browser: Browser, defer: Defer, officer: Officer, url: string, options: BrowserContextOptions = DESKTOP_ZH): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext(options);
  defer(() => context.close());
  const page = await context.newPage();
  const errors = pageErrors(page);
  await page.addInitScript((token) => localStorage.setItem('shaobing.token', token), officer.secret);
  await page.goto(url);
  return { page, errors };
}

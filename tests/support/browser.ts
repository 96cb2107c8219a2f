/**
 * A real browser for the dashboard's end-to-end tests: Debian's chromium driven by
 * playwright-core (never a downloaded browser), headless, with nothing phoning home. Each page
 * records its console errors and uncaught exceptions so a test can insist there were none.
 */
import { execFile } from 'node:child_process';
import { access, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Where screenshots of every page go (git-ignored), to be looked at after a run. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../out/screenshots/', import.meta.url));

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A page whose console errors and page errors are collected in `problems`. */
export async function watchedPage(
  context: BrowserContext,
): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning')
      problems.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return { page, problems };
}

/** Builds the dashboard when dist/ is missing (a developer running one test file). */
export async function ensureDashboardBuilt(): Promise<void> {
  try {
    await access(new URL('../../dashboard/dist/index.html', import.meta.url));
  } catch {
    await promisify(execFile)('npm', ['run', 'build', '-w', 'dashboard'], { cwd: REPO });
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: true });
}

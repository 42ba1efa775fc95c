// Opens a local HTML file in headless Chromium and says what went wrong in it: console errors,
// failed requests, requests that leave the machine, images that did not load; optionally a full-page
// screenshot. For tests and scripts only — puppeteer-core is a devDependency, the CLI never loads this.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

export interface BrowserCheck {
  consoleErrors: string[];
  failedRequests: string[];
  /** Requests to anything but file: and data: — a self-contained report makes none. */
  externalRequests: string[];
  /** Every <img>: `src` cut to 100 characters (data: URIs are long), ok when it decoded to a non-empty image. */
  images: { src: string; ok: boolean }[];
}

export interface OpenOptions {
  /** Writes a full-page PNG screenshot here. */
  screenshot?: string;
  /** Viewport width in CSS pixels (default 1280). */
  width?: number;
  /** Screenshot only the top of the page, this many CSS pixels tall (default: the full page). */
  height?: number;
}

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** `CHROMIUM_PATH` when set (null if it does not exist), else a system Chromium, else null. */
export function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  const onPath = (process.env.PATH ?? '').split(path.delimiter).flatMap((dir) => (dir ? ['chromium', 'chromium-browser'].map((n) => path.join(dir, n)) : []));
  return [...CANDIDATES, ...onPath].find((file) => existsSync(file)) ?? null;
}

const LOCAL = /^(file|data):/i;
const short = (url: string): string => (url.length > 100 ? `${url.slice(0, 100)}…` : url);

// Runs in the page (a string: this package is compiled without the DOM library).
const IMAGES_SCRIPT = `Array.from(document.images).map((img) => ({ src: img.getAttribute('src') || '', ok: img.complete && img.naturalWidth > 0 }))`;

function imagesOf(value: unknown): { src: string; ok: boolean }[] {
  if (!Array.isArray(value)) return [];
  return value.map((v: unknown) => {
    const o = (typeof v === 'object' && v !== null ? v : {}) as { src?: unknown; ok?: unknown };
    return { src: short(typeof o.src === 'string' ? o.src : ''), ok: o.ok === true };
  });
}

export async function openInBrowser(file: string, opts: OpenOptions = {}): Promise<BrowserCheck> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('no Chromium found: install one (apt-get install chromium) or set CHROMIUM_PATH');
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    // A pipe instead of a WebSocket: no port to pick; --no-sandbox because CI runs as root.
    pipe: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars'],
  });
  const check: BrowserCheck = { consoleErrors: [], failedRequests: [], externalRequests: [], images: [] };
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: opts.width ?? 1280, height: 900 });
    page.on('console', (msg) => {
      if (msg.type() === 'error') check.consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => check.consoleErrors.push(`page error: ${err instanceof Error ? err.message : String(err)}`));
    page.on('requestfailed', (req) => check.failedRequests.push(`${short(req.url())}: ${req.failure()?.errorText ?? 'failed'}`));
    page.on('request', (req) => {
      if (!LOCAL.test(req.url())) check.externalRequests.push(short(req.url()));
    });
    await page.goto(pathToFileURL(path.resolve(file)).href, { waitUntil: 'load' });
    // Decoded before the check and the screenshot: 'load' fires before large data: images are decoded.
    await page.evaluate(`Promise.all(Array.from(document.images).map((img) => img.decode().catch(() => undefined)))`);
    check.images = imagesOf(await page.evaluate(IMAGES_SCRIPT));
    if (opts.screenshot) {
      const clip = opts.height ? { x: 0, y: 0, width: opts.width ?? 1280, height: opts.height } : undefined;
      await page.screenshot({ path: opts.screenshot as `${string}.png`, type: 'png', ...(clip ? { clip, captureBeyondViewport: true } : { fullPage: true }) });
    }
    return check;
  } finally {
    await browser.close();
  }
}

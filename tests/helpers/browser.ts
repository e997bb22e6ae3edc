import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page, type WebSocketRoute } from 'playwright-core';
import { afterEach } from 'vitest';
import { ROOT } from './stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/*
 * Every page the browser opens is watched: a console error, an uncaught exception or a CSP
 * violation fails the test it happened in (this module's `afterEach`, registered in each test file
 * that imports it). A test that provokes an error on purpose says so with `allowConsoleError`.
 */
const problems: string[] = [];
const allowances = new WeakMap<Page, RegExp[]>();

/** Chromium reports some violations only as an event; this makes them console errors too. */
const CSP_REPORTER = () =>
  document.addEventListener(
    'securitypolicyviolation',
    (event) => console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`),
    true,
  );

function watch(page: Page): void {
  if (allowances.has(page)) return;
  allowances.set(page, []);
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (allowances.get(page)?.some((pattern) => pattern.test(text))) return;
    // A failed fetch names the page, not the resource: the location says which request it was.
    const resource = message.location().url;
    const from = resource && resource !== page.url() ? ` (${resource})` : '';
    problems.push(`console error on ${page.url()}: ${text}${from}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught error on ${page.url()}: ${error.message}`));
}

const reporting = new WeakSet<BrowserContext>();

async function watchContext(context: BrowserContext): Promise<void> {
  if (reporting.has(context)) return;
  reporting.add(context);
  context.on('page', watch);
  for (const page of context.pages()) watch(page);
  await context.addInitScript(CSP_REPORTER);
}

/** Lets one page log console errors matching `pattern` (an error the test provokes on purpose). */
export function allowConsoleError(page: Page, pattern: RegExp): void {
  allowances.get(page)?.push(pattern);
}

// The benchmarks drive the browser through this module too, outside any test run.
if (process.env.VITEST) {
  afterEach(() => {
    const found = problems.splice(0);
    if (found.length > 0) throw new Error(`the browser reported errors:\n${found.join('\n')}`);
  });
}

/** Debian's Chromium, headless, with the flags this closed network needs; every page watched. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // Browser.newPage may or may not go through newContext: both paths end up watched, once.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args: Parameters<Browser['newContext']>): Promise<BrowserContext> => {
    const context = await newContext(...args);
    await watchContext(context);
    return context;
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...args: Parameters<Browser['newPage']>): Promise<Page> => {
    const page = await newPage(...args);
    await watchContext(page.context());
    return page;
  };
  return browser;
}

/** Signs in through the login form and waits for the home page. */
export async function signIn(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('[data-testid="login-submit"]');
  await page.waitForURL(`${base}/`);
}

export const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

/** A message of the live socket, as the relay sees it. */
export type SocketMessage = string | Buffer;
export const isLiveEvent = (message: SocketMessage) => String(message).includes('"type":"event"');

/**
 * Routes the page's live socket through the test: `fromServer` decides what of each server message
 * reaches the page, and when (call `toPage` now, later or never). Returns the page side of the
 * latest connection, to drop it.
 */
export async function relayLiveSocket(
  page: Page,
  fromServer: (message: SocketMessage, toPage: (message: SocketMessage) => void) => void,
): Promise<{ pageSide: () => WebSocketRoute | undefined }> {
  let latest: WebSocketRoute | undefined;
  await page.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer();
    latest = ws;
    // A message held past its connection (the page navigated meanwhile) goes nowhere.
    let open = true;
    ws.onMessage((message) => server.send(message));
    server.onMessage((message) =>
      fromServer(message, (out) => {
        if (open) ws.send(out);
      }),
    );
    ws.onClose(() => {
      open = false;
      server.close();
    });
    server.onClose(() => {
      open = false;
      ws.close();
    });
  });
  return { pageSide: () => latest };
}

/**
 * Page test support (jsdom environment): the real pages under miniprogram/
 * rendered by miniprogram-simulate (official WXML compiler), a wx shim whose
 * wx.cloud reaches the local emulator, and small DOM helpers. The emulator is
 * the function tests' harness (test/support/emulator.ts) in this jest worker:
 * its code loaded by Node's own require outside the jsdom environment (its
 * modules resolve as on Node, not with jsdom's browser conditions), the
 * function processes an earlier test file left idle reused (each loads its
 * bundle afresh).
 *
 * Pitfalls handled here (docs: design/miniprogram.md): a page path is loaded
 * once per test file (ids cached); events and wx callbacks are asynchronous
 * (settle() waits for the shim's HTTP requests and a few ticks); hidden /
 * value / src are read from toJSON(); a console.error (e.g. a throw inside an
 * event handler, which simulate only logs) fails the test.
 */
import path from 'node:path';
import { createWxShim, installWxGlobals, type WxShim } from '../../../scripts/miniprogram/wx-shim';
import { startEmulator, type Harness } from '../../support/emulator';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const simulate = require('miniprogram-simulate');

/** The mini-program (app.json, the main package with the entry component). */
export const APP_ROOT = path.resolve(__dirname, '..', '..', '..', 'miniprogram');
/** The after-sales package (a subpackage mounted at `aftersale`): its pages, utils, config. */
export const MP_ROOT = path.join(APP_ROOT, 'aftersale');

export { DEMO, DEMO_RETURN_ADDRESS } from '../../../scripts/emulator/demo';

const ids: Record<string, string> = {};

export interface Page {
  comp: any;
  instance: any;
  data: any;
  /** Text of the first element matching the selector ('' when none). */
  text(selector: string): string;
  texts(selector: string): string[];
  exists(selector: string): boolean;
  tap(selector: string, index?: number): Promise<void>;
  input(selector: string, value: string, index?: number): Promise<void>;
  change(selector: string, value: unknown, index?: number): Promise<void>;
  json(): any;
  /** Call a lifecycle / method of the page (onShow, onUnload...). */
  run(method: string, ...args: unknown[]): Promise<any>;
  detach(): void;
}

export interface PageEnv {
  /** The local emulator in this jest worker, the function tests' harness (test/support/emulator.ts). */
  emu: Harness;
  shim: WxShim;
  as(openid: string): void;
  open(page: string, options?: Record<string, string>): Promise<Page>;
  settle(): Promise<void>;
  /** Align the pages' countdown clock with the emulator's virtual clock. */
  syncClock(): Promise<void>;
  close(): Promise<void>;
  errors: unknown[][];
}

export interface PagesOptions {
  /** The app root and the package mounted in it (default: the repository's miniprogram/ and its aftersale/). */
  appRoot?: string;
  packageRoot?: string;
}

export async function setupPages(opts: PagesOptions = {}): Promise<PageEnv> {
  const appRoot = opts.appRoot ?? APP_ROOT;
  const pkgRoot = opts.packageRoot ?? MP_ROOT;
  const emu = await startEmulator();
  const shim = createWxShim(emu.url);
  installWxGlobals(globalThis, shim);
  shim.requireTap = true;
  (globalThis as { __wxShim?: WxShim }).__wxShim = shim;
  // The api module: fast retries and no preview debounce in tests.
  const { config } = require(path.join(pkgRoot, 'config'));
  config.mode = 'cloud';
  config.retryDelaysMs = [5, 5];
  config.previewDebounceMs = 0;

  const errors: unknown[][] = [];
  const origError = console.error;
  console.error = (...args: unknown[]) => {
    errors.push(args);
    origError(...args);
  };
  const opened: any[] = [];

  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await shim.idle();
      await simulate.sleep(0);
    }
  };

  const env: PageEnv = {
    emu,
    shim,
    errors,
    as(openid) {
      shim.openid = openid;
    },
    async open(page, options = {}) {
      const p = path.join(pkgRoot, 'pages', page, 'index');
      ids[p] ??= simulate.load(p, { rootPath: appRoot });
      const comp = simulate.render(ids[p]);
      const parent = document.createElement('parent-wrapper');
      comp.attach(parent);
      opened.push(comp);
      // As WeChat does: a page knows its route (aftersale/pages/<page>/index, or wherever the package is mounted).
      comp.instance.route = path.relative(appRoot, p).split(path.sep).join('/');
      comp.instance.onLoad?.(options);
      await settle();
      return wrap(comp, settle);
    },
    settle,
    async syncClock() {
      const { clock } = require(path.join(pkgRoot, 'utils', 'format'));
      clock.offsetMs = (await emu.now()) - Date.now();
    },
    async close() {
      for (const c of opened) {
        try {
          c.instance.onUnload?.();
          c.detach();
        } catch {
          /* already gone */
        }
      }
      console.error = origError;
      shim.dispose();
      await emu.close();
    },
  };
  return env;
}

/**
 * One page environment for the test file: set up before its tests (90 s: on a
 * loaded machine the emulator and the first function processes start slowly),
 * closed after them. After each test: no
 * console.error was logged, then the shim's records are cleared and
 * `afterEachTest` runs. The env returned forwards to the one set up, so it can
 * be held in a module-level const and used in tests and hooks.
 */
export function usePages(opts: { afterEachTest?: () => void; mount?: () => PagesOptions } = {}): PageEnv {
  let current: PageEnv | undefined;
  beforeAll(async () => {
    current = await setupPages(opts.mount?.());
  }, 90_000);
  afterAll(async () => {
    await current?.close();
  });
  afterEach(() => {
    expect(current!.errors).toEqual([]);
    current!.shim.reset();
    opts.afterEachTest?.();
  });
  return new Proxy({} as PageEnv, {
    get(_, key) {
      if (!current) throw new Error(`pages not set up: env.${String(key)} used outside a test or hook`);
      return Reflect.get(current, key);
    },
  });
}

function textOf(node: any): string {
  if (node === null || node === undefined) return '';
  if (typeof node === 'string') return node;
  return (node.children ?? []).map(textOf).join('');
}

function wrap(comp: any, settle: () => Promise<void>): Page {
  /** `outer >>> inner` looks inside the custom components `outer` matches (e.g. the entry component of a line). */
  const all = (sel: string): any[] => {
    const [outer, inner] = sel.split(' >>> ');
    if (inner === undefined) return comp.querySelectorAll(sel) as any[];
    return (comp.querySelectorAll(outer) as any[]).flatMap((o) => (o.querySelectorAll(inner) as any[]) ?? []);
  };
  const nth = (sel: string, i = 0) => {
    const el = all(sel)[i];
    if (!el) throw new Error(`no element ${sel}[${i}]`);
    return el;
  };
  return {
    comp,
    instance: comp.instance,
    get data() {
      return comp.data;
    },
    text: (sel) => (all(sel)[0]?.dom?.textContent ?? '').replace(/\s+/g, ' ').trim(),
    texts: (sel) => all(sel).map((e) => (e.dom?.textContent ?? '').replace(/\s+/g, ' ').trim()),
    exists: (sel) => all(sel).length > 0,
    async tap(sel, i = 0) {
      // a user tap: what lets the page open the subscribe dialog (shim.requireTap)
      const shim = (globalThis as { __wxShim?: WxShim }).__wxShim;
      if (shim) shim.inTap = true;
      try {
        nth(sel, i).dispatchEvent('tap');
        // the handler runs on the simulator's next turn; its synchronous part is the tap gesture
        await simulate.sleep(0);
      } finally {
        if (shim) shim.inTap = false;
      }
      await settle();
    },
    async input(sel, value, i = 0) {
      nth(sel, i).dispatchEvent('input', { detail: { value } });
      await settle();
    },
    async change(sel, value, i = 0) {
      nth(sel, i).dispatchEvent('change', { detail: { value } });
      await settle();
    },
    json: () => comp.toJSON(),
    async run(method, ...args) {
      const r = await comp.instance[method](...args);
      await settle();
      return r;
    },
    detach() {
      comp.detach();
    },
  };
}

export { textOf };

/** Type `value` into `field`, tap the form's submit button: the form's error text ('' when none). */
export async function submitWith(page: Page, field: string, value: string): Promise<string> {
  await page.input(field, value);
  await page.tap('.submit-btn');
  return page.text('.form-error');
}

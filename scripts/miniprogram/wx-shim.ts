/**
 * A `wx` for pages rendered outside WeChat (miniprogram-simulate in page
 * tests and in the screenshot script). Nothing of the backend is mocked:
 * wx.cloud.callFunction goes over HTTP to the local emulator's
 * POST /functions/<name> with the current caller's openid (x-wx-openid), so
 * the pages drive the REAL built functions; wx.cloud.uploadFile writes to the
 * emulator's storage; wx.cloud.database() reads the emulator's documents;
 * wx.request is a plain HTTP client (the api module's local mode).
 * UI-only APIs (toast, modal, navigation, subscribe consent, media picker)
 * are recorded so a test can look at them.
 *
 * Plain Node http (no fetch): it also runs inside jest's jsdom environment.
 */
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imageInfo, syntheticJpeg } from '../emulator/openapi/media';
import { Buffer } from 'node:buffer';

export interface HttpAnswer {
  status: number;
  body: any;
}

export function httpJson(baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, baseUrl);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            /* text */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export interface FunctionCallRecord {
  name: string;
  data: any;
  openid: string;
  /** Set when the shim dropped this call's answer (simulated network failure). */
  dropped?: 'before' | 'after';
  /** HTTP status and error of a failed call (the function threw or timed out). */
  error?: { status: number; body: any };
}

export interface MediaFile {
  tempFilePath: string;
  size: number;
  fileType: 'image' | 'video';
  thumbTempFilePath?: string;
}

export interface WxShim {
  wx: any;
  /** Caller identity for wx.cloud (x-wx-openid). */
  openid: string;
  calls: FunctionCallRecord[];
  toasts: string[];
  modals: { title: string; content: string }[];
  nav: { kind: string; url?: string; delta?: number }[];
  subscribes: string[][];
  /** wx.requestSubscribeMessage calls refused because no tap was under way. */
  subscribeRefusals: string[][];
  /**
   * WeChat shows the subscribe dialog only during a user tap (base library
   * ≥ 2.8.2): with `requireTap`, wx.requestSubscribeMessage fails outside one.
   * The page harness sets `inTap` while it dispatches a tap.
   */
  requireTap: boolean;
  inTap: boolean;
  /** What the user answers in the subscribe dialog, per template id ('accept' by default). */
  subscribeAnswer: 'accept' | 'reject' | ((templateId: string) => 'accept' | 'reject');
  loading: number;
  /** What wx.showModal answers (confirm). */
  modalConfirm: boolean;
  /** wx.compressImage calls: source, quality and the output's size. */
  compressed: { src: string; quality: number; width: number; height: number; bytes: number }[];
  /** Files the next wx.chooseMedia returns. */
  nextMedia: MediaFile[];
  /** wx.setClipboardData texts, in order. */
  clipboard: string[];
  /** wx.makePhoneCall numbers, in order. */
  phoneCalls: string[];
  /**
   * Simulated network failures of wx.cloud.callFunction, in order:
   * 'before' — the request never reaches the server; 'after' — the server
   * runs it but the answer is lost. Consumed one per call.
   */
  failures: ('before' | 'after')[];
  /** HTTP requests under way (tests wait for 0). */
  pending(): number;
  /** Resolves once no request has been under way for a few ticks. */
  idle(timeoutMs?: number): Promise<void>;
  reset(): void;
  /** Removes the temporary files the shim wrote (wx.compressImage's outputs), as WeChat clears its temp files. */
  dispose(): void;
}

export function createWxShim(baseUrl: string, opts: { openid?: string; fixedNow?: () => number } = {}): WxShim {
  let inflight = 0;
  const track = async <T>(p: Promise<T>): Promise<T> => {
    inflight += 1;
    try {
      return await p;
    } finally {
      inflight -= 1;
    }
  };
  const done = (o: any, ok: boolean, res: any) => {
    try {
      if (ok) o?.success?.(res);
      else o?.fail?.(res);
    } finally {
      o?.complete?.(res);
    }
  };

  // wx.compressImage's outputs: one folder for this shim, removed by dispose()
  let tempDir: string | undefined;
  let tempFiles = 0;
  const tempFile = (name: string) => {
    tempDir ??= mkdtempSync(path.join(os.tmpdir(), 'mp-compressed-'));
    return path.join(tempDir, `${++tempFiles}-${name}`);
  };

  const shim: WxShim = {
    wx: null,
    openid: opts.openid ?? '',
    calls: [],
    toasts: [],
    modals: [],
    nav: [],
    subscribes: [],
    subscribeRefusals: [],
    subscribeAnswer: 'accept',
    requireTap: false,
    inTap: false,
    loading: 0,
    modalConfirm: true,
    nextMedia: [],
    clipboard: [],
    phoneCalls: [],
    compressed: [],
    failures: [],
    pending: () => inflight,
    dispose() {
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      tempDir = undefined;
    },
    async idle(timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      let quiet = 0;
      while (quiet < 5) {
        await new Promise((r) => setTimeout(r, inflight ? 5 : 2));
        // busy while a request is under way or a modal loading indicator is shown (api calls, retries)
        quiet = inflight || shim.loading ? 0 : quiet + 1;
        if (Date.now() > until) throw new Error(`wx shim: ${inflight} request(s) still under way after ${timeoutMs} ms`);
      }
    },
    reset() {
      shim.calls.length = 0;
      shim.toasts.length = 0;
      shim.modals.length = 0;
      shim.nav.length = 0;
      shim.subscribes.length = 0;
      shim.subscribeRefusals.length = 0;
      shim.subscribeAnswer = 'accept';
      shim.failures.length = 0;
      shim.nextMedia = [];
      shim.clipboard.length = 0;
      shim.phoneCalls.length = 0;
      shim.compressed.length = 0;
      shim.modalConfirm = true;
    },
  };

  const cloud = {
    init() {},
    callFunction(o: any) {
      const rec: FunctionCallRecord = { name: o.name, data: JSON.parse(JSON.stringify(o.data ?? {})), openid: shim.openid };
      shim.calls.push(rec);
      const failure = shim.failures.shift();
      const headers: Record<string, string> = shim.openid ? { 'x-wx-openid': shim.openid } : {};
      const p = track(
        (async () => {
          if (failure === 'before') {
            rec.dropped = 'before';
            return done(o, false, { errMsg: 'cloud.callFunction:fail request:fail timeout' });
          }
          const res = await httpJson(baseUrl, 'POST', `/functions/${o.name}`, o.data ?? {}, headers);
          if (failure === 'after') {
            rec.dropped = 'after';
            return done(o, false, { errMsg: 'cloud.callFunction:fail request:fail timeout' });
          }
          if (res.status === 200) done(o, true, { result: res.body, errMsg: 'cloud.callFunction:ok', requestID: 'shim' });
          else {
            rec.error = { status: res.status, body: res.body };
            if (process.env.MP_SHIM_DEBUG) process.stderr.write(`wx shim: ${o.name} failed: HTTP ${res.status} ${JSON.stringify(res.body)}\n`);
            done(o, false, { errMsg: `cloud.callFunction:fail ${res.body?.errCode ?? res.status} ${res.body?.errMsg ?? ''}` });
          }
        })().catch((e) => done(o, false, { errMsg: `cloud.callFunction:fail ${e?.message ?? e}` })),
      );
      if (!o?.success && !o?.fail) return p;
      return undefined;
    },
    uploadFile(o: any) {
      void track(
        (async () => {
          const content = readFileSync(o.filePath);
          const res = await httpJson(baseUrl, 'POST', '/_local/storage', { cloudPath: o.cloudPath, contentBase64: content.toString('base64') });
          if (res.status === 200 && res.body?.fileID) done(o, true, { fileID: res.body.fileID, statusCode: 200, errMsg: 'cloud.uploadFile:ok' });
          else done(o, false, { errMsg: `cloud.uploadFile:fail HTTP ${res.status}` });
        })().catch((e) => done(o, false, { errMsg: `cloud.uploadFile:fail ${e?.message ?? e}` })),
      );
    },
    database() {
      return {
        collection(name: string) {
          return {
            doc(id: string) {
              return {
                get: () =>
                  track(
                    (async () => {
                      const res = await httpJson(baseUrl, 'GET', `/_local/db/${name}`);
                      const doc = (res.body?.data ?? []).find((d: any) => d._id === id);
                      if (!doc) throw { errMsg: `document.get:fail document with _id ${id} does not exist` };
                      return { data: doc, errMsg: 'document.get:ok' };
                    })(),
                  ),
              };
            },
          };
        },
      };
    },
  };

  const wx: any = {
    cloud,
    request(o: any) {
      void track(
        (async () => {
          const u = new URL(o.url);
          const res = await httpJson(u.origin, o.method ?? 'GET', u.pathname + u.search, o.method === 'GET' ? undefined : o.data, o.header ?? {});
          done(o, true, { statusCode: res.status, data: res.body, header: {}, errMsg: 'request:ok' });
        })().catch((e) => done(o, false, { errMsg: `request:fail ${e?.message ?? e}` })),
      );
    },
    /** Width, height and type read from the file's header (as the client decodes it). */
    getImageInfo(o: any) {
      try {
        const buf = readFileSync(o.src);
        const info = imageInfo(buf);
        const heic = buf.subarray(4, 12).toString('latin1').startsWith('ftyphei');
        const webp = buf.subarray(8, 12).toString('latin1') === 'WEBP';
        const type = info?.format ?? (heic ? 'heic' : webp ? 'webp' : 'unknown');
        // HEIC / WEBP: the shim cannot decode their size; a phone photo's is assumed
        const size = info ?? { width: 4032, height: 3024 };
        setTimeout(() => done(o, true, { width: size.width, height: size.height, type, orientation: 'up', path: o.src, errMsg: 'getImageInfo:ok' }), 0);
      } catch (e: any) {
        setTimeout(() => done(o, false, { errMsg: `getImageInfo:fail ${e?.message}` }), 0);
      }
    },
    /**
     * A JPG of compressedWidth × compressedHeight (either alone scales the
     * other), its size modelled as pixels × quality; written to a temp file.
     */
    compressImage(o: any) {
      try {
        const src = imageInfo(readFileSync(o.src)) ?? { width: 4032, height: 3024 };
        let w = Number(o.compressedWidth ?? 0) || 0;
        let h = Number(o.compressedHeight ?? 0) || 0;
        if (w && !h) h = Math.round((src.height * w) / src.width);
        if (h && !w) w = Math.round((src.width * h) / src.height);
        if (!w || !h) [w, h] = [src.width, src.height];
        const quality = Math.min(100, Math.max(0, Number(o.quality ?? 80)));
        const bytes = Math.max(2048, Math.round(w * h * (quality / 100) * 0.6));
        const out = tempFile('compressed.jpg');
        writeFileSync(out, syntheticJpeg(w, h, bytes));
        shim.compressed.push({ src: o.src, quality, width: w, height: h, bytes });
        setTimeout(() => done(o, true, { tempFilePath: out, errMsg: 'compressImage:ok' }), 0);
      } catch (e: any) {
        setTimeout(() => done(o, false, { errMsg: `compressImage:fail ${e?.message}` }), 0);
      }
    },
    getFileSystemManager() {
      return {
        getFileInfo(o: any) {
          try {
            done(o, true, { size: statSync(o.filePath).size, errMsg: 'getFileInfo:ok' });
          } catch (e: any) {
            done(o, false, { errMsg: `getFileInfo:fail ${e?.message}` });
          }
        },
        readFile(o: any) {
          try {
            const buf = readFileSync(o.filePath);
            done(o, true, { data: o.encoding === 'base64' ? buf.toString('base64') : buf });
          } catch (e: any) {
            done(o, false, { errMsg: `readFile:fail ${e?.message}` });
          }
        },
      };
    },
    chooseMedia(o: any) {
      const files = shim.nextMedia.splice(0, o?.count ?? 9);
      setTimeout(() => (files.length ? done(o, true, { tempFiles: files, type: files[0].fileType }) : done(o, false, { errMsg: 'chooseMedia:fail cancel' })), 0);
    },
    showToast(o: any) {
      shim.toasts.push(o.title);
      done(o, true, {});
    },
    hideToast() {},
    showLoading(o: any) {
      shim.loading += 1;
      done(o, true, {});
    },
    hideLoading() {
      shim.loading = Math.max(0, shim.loading - 1);
    },
    showModal(o: any) {
      shim.modals.push({ title: o.title, content: o.content });
      setTimeout(() => done(o, true, { confirm: shim.modalConfirm, cancel: !shim.modalConfirm }), 0);
    },
    /**
     * As WeChat: at most 3 template ids a call (errCode 20003 otherwise); each
     * id answered with `subscribeAnswer` ('accept' by default). Accepts are
     * recorded by the emulator (POST /_local/subscribe), one consent per
     * template id: what subscribeMessage.send later spends.
     */
    requestSubscribeMessage(o: any) {
      const ids: string[] = Array.isArray(o?.tmplIds) ? o.tmplIds : [];
      if (shim.requireTap && !shim.inTap) {
        shim.subscribeRefusals.push(ids);
        setTimeout(() => done(o, false, { errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.' }), 0);
        return;
      }
      shim.subscribes.push(ids);
      if (!ids.length || ids.length > 3) {
        setTimeout(() => done(o, false, { errMsg: 'requestSubscribeMessage:fail Templates count out of max bounds', errCode: 20003 }), 0);
        return;
      }
      const answer = shim.subscribeAnswer;
      const res: Record<string, string> = { errMsg: 'requestSubscribeMessage:ok' };
      for (const id of ids) res[id] = typeof answer === 'function' ? answer(id) : answer;
      const accepted = ids.filter((id) => res[id] === 'accept');
      void track(
        (async () => {
          if (accepted.length && shim.openid) {
            const r = await httpJson(baseUrl, 'POST', '/_local/subscribe', { openid: shim.openid, templateIds: accepted });
            if (r.status !== 200) return done(o, false, { errMsg: `requestSubscribeMessage:fail ${r.body?.errMsg ?? r.status}` });
          }
          done(o, true, res);
        })().catch((e) => done(o, false, { errMsg: `requestSubscribeMessage:fail ${e?.message ?? e}` })),
      );
    },
    navigateTo(o: any) {
      shim.nav.push({ kind: 'navigateTo', url: o.url });
      done(o, true, {});
    },
    redirectTo(o: any) {
      shim.nav.push({ kind: 'redirectTo', url: o.url });
      done(o, true, {});
    },
    navigateBack(o: any) {
      shim.nav.push({ kind: 'navigateBack', delta: o?.delta ?? 1 });
      done(o, true, {});
    },
    previewImage(o: any) {
      done(o, true, {});
    },
    setClipboardData(o: any) {
      shim.clipboard.push(String(o?.data ?? ''));
      setTimeout(() => done(o, true, {}), 0);
    },
    makePhoneCall(o: any) {
      shim.phoneCalls.push(String(o?.phoneNumber ?? ''));
      setTimeout(() => done(o, true, {}), 0);
    },
    stopPullDownRefresh() {},
    setNavigationBarTitle(o: any) {
      done(o, true, {});
    },
    getSystemInfoSync() {
      return { windowWidth: 375, windowHeight: 667, pixelRatio: 2, platform: 'devtools' };
    },
  };
  shim.wx = wx;
  return shim;
}

/** Install the globals WeChat gives a page and simulate does not: wx, getApp, getCurrentPages. */
export function installWxGlobals(target: any, shim: WxShim, pages: () => unknown[] = () => []): void {
  target.wx = shim.wx;
  target.getApp = () => ({
    globalData: {
      get openid() {
        return shim.openid;
      },
    },
  });
  target.getCurrentPages = pages;
}

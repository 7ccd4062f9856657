/**
 * Mini-program configuration.
 *
 * mode 'cloud' — wx.cloud.callFunction / wx.cloud.uploadFile against the
 *   Cloud Development environment `envId` ('' = the default environment).
 * mode 'local' — the same api module calls the local emulator (`npm start`)
 *   over HTTP: POST <baseUrl>/functions/<name> with header x-wx-openid, and
 *   uploads through POST <baseUrl>/_local/storage. project.config.json sets
 *   setting.urlCheck false, so the devtools do not check the request domain
 *   (详情 → 本地设置 → 不校验合法域名). Development only: a real device needs
 *   the request domain list (cloud mode uses wx.cloud and needs none).
 */
export type ApiMode = 'cloud' | 'local';

export interface AppConfig {
  mode: ApiMode;
  envId: string;
  local: {
    baseUrl: string;
    /** Identity sent as x-wx-openid (demo shop: o_demo_buyer, o_demo_merchant, o_demo_arbiter). */
    openid: string;
  };
  /** Subscribe-message template ids (settings.templates on the server side). */
  subscribeTemplates: {
    statusChanged: string;
    reminder: string;
  };
  /** Automatic retries after a network failure (same requestId), in ms. */
  retryDelaysMs: number[];
  /** Debounce of the live preview on the apply page, in ms. */
  previewDebounceMs: number;
}

export const config: AppConfig = {
  mode: 'cloud',
  envId: '',
  local: {
    baseUrl: 'http://127.0.0.1:3000',
    openid: 'o_demo_buyer',
  },
  subscribeTemplates: {
    statusChanged: 'TPL_AFTERSALE_STATUS',
    reminder: 'TPL_AFTERSALE_REMINDER',
  },
  retryDelaysMs: [400, 1200],
  previewDebounceMs: 300,
};

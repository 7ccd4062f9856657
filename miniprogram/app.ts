/**
 * App entry: initialises Cloud Development (cloud mode) and keeps the
 * caller's openid in globalData. The openid is needed client-side only for
 * the evidence upload path `evidence/<openid>/...`; the shop's login flow
 * sets it (setOpenid), and in local mode it is config.local.openid.
 */
import { config } from './config';

interface GlobalData {
  openid: string;
}

App<{ globalData: GlobalData }>({
  globalData: { openid: '' },
  onLaunch() {
    if (config.mode === 'cloud') {
      if (!wx.cloud) {
        console.error('请使用基础库 2.2.3 或以上版本以使用云开发');
        return;
      }
      wx.cloud.init({ env: config.envId || undefined, traceUser: true });
    } else {
      this.globalData.openid = config.local.openid;
    }
  },
});

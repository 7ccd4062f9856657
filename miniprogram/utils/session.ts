/** Who the caller is, client-side (only needed for the evidence folder `evidence/<openid>/`). */
import { config } from '../config';

/** The caller's openid: set by the shop's login into app globalData; in local mode the configured one. */
export function getOpenid(): string {
  if (config.mode === 'local') return config.local.openid;
  try {
    const app = getApp<{ globalData: { openid: string } }>();
    return app?.globalData?.openid ?? '';
  } catch {
    return '';
  }
}

/** Called by the shop's login flow once it knows the openid. */
export function setOpenid(openid: string): void {
  if (config.mode === 'local') config.local.openid = openid;
  try {
    const app = getApp<{ globalData: { openid: string } }>();
    if (app?.globalData) app.globalData.openid = openid;
  } catch {
    /* no app (tests) */
  }
}

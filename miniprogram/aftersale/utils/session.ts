/** Who the caller is, client-side (the evidence folder `evidence/<openid>/`, staff entries). */
import { config } from '../config';
import { call } from './api';

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

export interface Me {
  openid: string;
  roles: string[];
}

let me: Promise<Me> | null = null;

/**
 * The caller as the server knows it (queryReturns whoami: openid from
 * getWXContext, roles from `staff`), asked once and kept; sets the openid.
 */
export function whoami(): Promise<Me> {
  me ??= call<Me>('queryReturns', { action: 'whoami' }, { toast: false })
    .then((data) => {
      if (data?.openid) setOpenid(data.openid);
      return { openid: data?.openid ?? '', roles: data?.roles ?? [] };
    })
    .catch((err) => {
      me = null;
      throw err;
    });
  return me;
}

/** The openid, asking the server when the shop's login has not set it. */
export async function ensureOpenid(): Promise<string> {
  return getOpenid() || (await whoami()).openid;
}

export function resetSession(): void {
  me = null;
}

/**
 * The demo mini-program's entry. The after-sales package (aftersale/, a
 * subpackage) initialises Cloud Development itself when it first calls a
 * function, so a host app needs nothing here; a shop's own app.ts keeps its
 * own wx.cloud.init and login (aftersale/utils/session.ts setOpenid).
 */
interface GlobalData {
  openid: string;
}

App<{ globalData: GlobalData }>({
  globalData: { openid: '' },
});

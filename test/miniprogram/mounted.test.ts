/**
 * @jest-environment jsdom
 *
 * The after-sales package dropped into another mini-program: the folder
 * miniprogram/aftersale copied under a different subpackage root
 * (`packages/shop-after-sale`) of a different app, with the entry component in
 * that app's main package. Its pages run there against the real functions:
 * they link to each other relatively, and the entry component on the order
 * page opens the package where it is mounted.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { usePages, DEMO, APP_ROOT, MP_ROOT } from './support/pages';
import { apply } from './support/returns';

const ROOT = 'packages/shop-after-sale';
const app = mkdtempSync(path.join(os.tmpdir(), 'mounted-mp-'));
const pkg = path.join(app, ROOT);
cpSync(MP_ROOT, pkg, { recursive: true });
cpSync(path.join(APP_ROOT, 'components'), path.join(app, 'components'), { recursive: true });
const fragment = JSON.parse(readFileSync(path.join(MP_ROOT, 'subpackage.json'), 'utf8'));
writeFileSync(path.join(app, 'app.json'), JSON.stringify({ pages: ['pages/home/index'], subPackages: [{ ...fragment.subPackages[0], root: ROOT }] }));

const env = usePages({ mount: () => ({ appRoot: app, packageRoot: pkg }) });

afterAll(() => rmSync(app, { recursive: true, force: true }));

describe('the package mounted under another root', () => {
  it('order page: each line shows its after-sale through the entry component, which opens the package where it is mounted', async () => {
    const returnId = await apply(env, 'O1003', 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L2', quantity: 1 }]);
    env.as(DEMO.buyer);
    const page = await env.open('order-detail', { orderId: 'O1003' });
    expect(page.text('.line-L2 .line-entry >>> .line-status-label')).toBe('售后：待商家处理');
    await page.tap('.line-L2 .line-entry >>> .view-btn');
    expect(env.shim.nav.at(-1)).toEqual({ kind: 'navigateTo', url: `/${ROOT}/pages/return-detail/index?returnId=${encodeURIComponent(returnId)}` });
    await page.tap('.line-L1 .line-entry >>> .apply-btn');
    expect(env.shim.nav.at(-1)).toEqual({ kind: 'navigateTo', url: `/${ROOT}/pages/apply/index?orderId=O1003&lineId=L1` });
  });

  it('the detail page of the mounted package works and links relatively (my after-sales → detail)', async () => {
    env.as(DEMO.buyer);
    const list = await env.open('my-returns');
    expect(list.texts('.card-status')[0]).toBe('待商家处理');
    await list.tap('.return-card');
    const nav = env.shim.nav.at(-1);
    expect(nav?.url).toMatch(/^\.\.\/return-detail\/index\?returnId=R\d+$/);
    const detail = await env.open('return-detail', { returnId: nav!.url!.split('=')[1] });
    expect(detail.text('.status-label')).toBe('待商家处理');
  });
});

/**
 * `npm run demo` (scripts/demo.ts, after the build npm test already ran):
 * one whole return through the built functions, every step printed and the
 * buyer's timeline at the end, in Beijing time; it exits 0.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');

describe('npm run demo', () => {
  it('walks a return from preview to 退款成功 and prints the timeline', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/demo.ts')], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const steps = [...stdout.matchAll(/^▶ (.+)$/gm)].map((m) => m[1]);
    expect(steps).toEqual([
      '买家预览 preview',
      '买家申请 apply',
      '商家同意 approve',
      '买家寄回 submitLogistics',
      '商家确认收货 confirmReceipt',
      '微信支付退款通知 refundCallback',
      '买家查看 get',
    ]);
    expect(stdout).toMatch(/买家查看 get\n\s+退款成功：/);
    const timeline = stdout.slice(stdout.indexOf('时间线 timeline（北京时间）'));
    expect(
      timeline
        .split('\n')
        .filter((l) => /^\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}\s/.test(l))
        .map((l) => l.trim().split(/\s+/)[2]),
    ).toEqual(['申请售后', '同意售后', '填写退货物流', '确认收货', '退款成功']);
  }, 90_000);
});

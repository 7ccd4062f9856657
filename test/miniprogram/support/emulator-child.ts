/**
 * The local emulator for page tests, in a child process (run with
 * `node --import tsx`). Page tests run in jest's jsdom environment, where the
 * emulator cannot live (browser export conditions pick bson's ESM build, and
 * there is no fetch); so the test spawns this process, which starts the same
 * harness as the function tests (test/support/emulator.ts: built bundles, real
 * wx-server-sdk, demo shop), prints `READY {"url":...}` and stays up until its
 * stdin closes or it gets SIGTERM.
 */
import { startEmulator } from '../../support/emulator';

async function main() {
  const h = await startEmulator();
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    await h.close().catch(() => undefined);
    process.exit(0);
  };
  process.stdin.on('end', close);
  process.stdin.on('close', close);
  process.stdin.resume();
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  process.stdout.write(`READY ${JSON.stringify({ url: h.url })}\n`);
}

main().catch((e) => {
  process.stderr.write(`emulator child failed: ${e?.stack ?? e}\n`);
  process.exit(1);
});

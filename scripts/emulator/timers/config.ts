/** The rules of a function's timer triggers as WeChat deploys them: one place for the emulator (./index.ts) and the deploy plan (scripts/deploy/plan.ts). */

/**
 * What WeChat refuses in a function's `config.json` `triggers` (docs/platform-limits.md
 * "Cloud functions"): more than one trigger per function ("目前仅支持一个触发器"),
 * a type other than timer, a name that is not 1–60 of a-z A-Z 0-9 - _ starting
 * with a letter. Null when it would deploy.
 */
export function triggerConfigError(triggers: readonly unknown[]): string | null {
  if (triggers.length > 1) return `${triggers.length} triggers: WeChat supports one trigger per function`;
  for (const t of triggers as { name?: unknown; type?: unknown }[]) {
    if (!t || t.type !== 'timer') return `trigger type ${JSON.stringify(t?.type)}: only timer is supported`;
    if (typeof t.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]{0,59}$/.test(t.name))
      return `trigger name ${JSON.stringify(t.name)}: 1–60 of a-z A-Z 0-9 - _, starting with a letter`;
  }
  return null;
}

/**
 * For the type check only (npm run typecheck:mp). The contract's response
 * types (ReturnViewData in shared/contract) are those of the functions' own
 * sources (cloudfunctions/core/app/view.ts), whose type imports reach
 * app/pay/index.ts, which reads `process.env`. `process` does not exist in
 * the mini-program: no page may use it (nothing here is compiled or shipped).
 */
declare const process: { readonly env: Readonly<Record<string, string | undefined>> };

/**
 * Where this package is mounted. The pages link to each other with relative
 * URLs (`../return-detail/index`), so the folder works under any subpackage
 * root; the root itself is needed only by what lives outside it (the entry
 * component in the main package) and is read from the page's own route.
 */
export function packageRoot(page: { route?: string; is?: string }): string {
  const route = page.route ?? page.is ?? '';
  const at = route.lastIndexOf('pages/');
  return at > 0 ? route.slice(0, at).replace(/\/+$/, '') : 'aftersale';
}

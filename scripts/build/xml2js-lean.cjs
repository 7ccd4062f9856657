'use strict';
/**
 * The part of xml2js that @cloudbase/node-sdk uses, for the bundle (see
 * scripts/build/cut-modules.mjs): `parseString(xml, cb)` as xml2js's defaults
 * give it for COS's answers to an upload — an empty body (success) gives null;
 * an element document gives { Root: { Child: ['text'], Nested: [{ … }] } }
 * (children always in arrays, text of a leaf element as a string, attributes
 * under `$`). No DTDs, CDATA only as text, entities: the five XML ones and
 * numeric references.
 */
const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decode(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}
function parse(xml) {
  const s = xml.replace(/<\?[\s\S]*?\?>/g, '').replace(/<!--[\s\S]*?-->/g, '').replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;'));
  let i = 0;
  function element() {
    const open = /^<([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(s.slice(i));
    if (!open) throw new Error('Non-whitespace before first tag or invalid XML at ' + i);
    i += open[0].length;
    const attrs = {};
    for (const a of open[2].matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[a[1]] = decode(a[2] ?? a[3]);
    const hasAttrs = Object.keys(attrs).length > 0;
    if (open[3]) return [open[1], hasAttrs ? { $: attrs } : ''];
    const children = {};
    let text = '';
    let any = false;
    for (;;) {
      const lt = s.indexOf('<', i);
      if (lt < 0) throw new Error('Unclosed root tag');
      text += s.slice(i, lt);
      i = lt;
      if (s.startsWith('</', i)) {
        const close = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(s.slice(i));
        if (!close || close[1] !== open[1]) throw new Error('Unexpected close tag');
        i += close[0].length;
        break;
      }
      const [name, value] = element();
      (children[name] || (children[name] = [])).push(value);
      any = true;
    }
    const t = decode(text).trim();
    if (!any && !hasAttrs) return [open[1], t];
    const node = hasAttrs ? { $: attrs } : {};
    if (t) node._ = t;
    return [open[1], Object.assign(node, children)];
  }
  while (i < s.length && /\s/.test(s[i])) i++;
  const [name, value] = element();
  if (s.slice(i).trim()) throw new Error('Text data outside of root node.');
  return { [name]: value };
}
function parseString(str, opts, cb) {
  if (typeof opts === 'function') cb = opts;
  let result;
  try {
    const text = String(str == null ? '' : str);
    result = text.trim() === '' ? null : parse(text);
  } catch (err) {
    return cb(err);
  }
  cb(null, result);
}
module.exports = { parseString, parseStringPromise: (s) => new Promise((res, rej) => parseString(s, (e, r) => (e ? rej(e) : res(r)))) };

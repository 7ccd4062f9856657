/**
 * multipart/form-data decoding, enough for what node-sdk's form-data sends
 * (wx.openApi / wx.wxPayApi): parts without a Content-Type (and without a
 * filename) are text fields; the others are binary files.
 */
export interface MultipartResult {
  fields: Record<string, string>;
  files: Record<string, Buffer>;
}

export class MultipartError extends Error {}

export function boundaryOf(contentType: string): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]).trim() : undefined;
}

export function parseMultipart(body: Buffer, boundary: string): MultipartResult {
  const fields: Record<string, string> = {};
  const files: Record<string, Buffer> = {};
  const delim = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delim);
  if (pos === -1) throw new MultipartError('multipart body has no boundary line');
  for (;;) {
    pos += delim.length;
    // "--" after the delimiter ends the body
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    // skip the CRLF after the delimiter
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    else throw new MultipartError('malformed multipart delimiter line');
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd === -1) throw new MultipartError('multipart part without header end');
    const headers = parseHeaders(body.subarray(pos, headerEnd).toString('utf8'));
    const dataStart = headerEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), dataStart);
    if (next === -1) throw new MultipartError('multipart part is not terminated');
    const data = body.subarray(dataStart, next);
    const disp = headers['content-disposition'] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disp)?.[1];
    if (name === undefined) throw new MultipartError('multipart part without a name');
    const filename = /\bfilename="([^"]*)"/i.exec(disp)?.[1];
    if (headers['content-type'] !== undefined || filename !== undefined) files[name] = Buffer.from(data);
    else fields[name] = data.toString('utf8');
    pos = next + 2; // at the delimiter
  }
  return { fields, files };
}

function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

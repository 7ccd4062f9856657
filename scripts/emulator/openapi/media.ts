/**
 * What the content-check emulation needs to know about an image: its format
 * (from the first bytes, never from a name) and its pixel size (PNG IHDR,
 * GIF logical screen, JPEG SOFn marker). Null when the bytes are not a
 * complete PNG/JPEG/GIF header (a corrupt or other image: WEBP, HEIC, BMP…).
 */
export interface ImageInfo {
  format: 'png' | 'jpeg' | 'gif';
  width: number;
  height: number;
}

export function imageFormat(buf: Buffer): ImageInfo['format'] | null {
  if (buf.length >= 8 && buf.subarray(0, 8).toString('hex') === '89504e470d0a1a0a') return 'png';
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 6 && /^GIF8[79]a$/.test(buf.subarray(0, 6).toString('latin1'))) return 'gif';
  return null;
}

function jpegSize(buf: Buffer): { width: number; height: number } | null {
  let i = 2;
  while (i + 4 <= buf.length) {
    if (buf[i] !== 0xff) return null;
    let marker = buf[i + 1];
    // fill bytes
    while (marker === 0xff && i + 2 < buf.length) {
      i++;
      marker = buf[i + 1];
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end / scan before a frame header
    const len = buf.readUInt16BE(i + 2);
    if (len < 2) return null;
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 9 > buf.length) return null;
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  return null;
}

export function imageInfo(buf: Buffer): ImageInfo | null {
  const format = imageFormat(buf);
  if (format === 'png') {
    if (buf.length < 24 || buf.subarray(12, 16).toString('latin1') !== 'IHDR') return null;
    return { format, width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  if (format === 'gif') {
    if (buf.length < 10) return null;
    return { format, width: buf.readUInt16LE(6), height: buf.readUInt16LE(8) };
  }
  if (format === 'jpeg') {
    const size = jpegSize(buf);
    return size && size.width > 0 && size.height > 0 ? { format, ...size } : null;
  }
  return null;
}

/**
 * A JPEG of the given pixel size and byte length whose header (SOI, APP0,
 * SOF0) is valid: enough for the emulator and the functions to read its size.
 * The rest is padding inside a COM segment, then EOI.
 */
export function syntheticJpeg(width: number, height: number, bytes = 4096): Buffer {
  const head = Buffer.from([
    0xff,
    0xd8, // SOI
    0xff,
    0xe0,
    0x00,
    0x10,
    0x4a,
    0x46,
    0x49,
    0x46,
    0x00,
    0x01,
    0x01,
    0x00,
    0x00,
    0x01,
    0x00,
    0x01,
    0x00,
    0x00, // APP0 JFIF
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    (height >> 8) & 0xff,
    height & 0xff,
    (width >> 8) & 0xff,
    width & 0xff,
    0x03,
    0x01,
    0x22,
    0x00,
    0x02,
    0x11,
    0x01,
    0x03,
    0x11,
    0x01, // SOF0
  ]);
  const tail = Buffer.from([0xff, 0xd9]);
  const room = Math.max(0, bytes - head.length - tail.length);
  const parts: Buffer[] = [head];
  let left = room;
  while (left >= 4) {
    const n = Math.min(65535, left) - 2 - 2; // segment payload
    const seg = Buffer.alloc(4 + Math.max(0, n), 0x11);
    seg[0] = 0xff;
    seg[1] = 0xfe; // COM
    seg.writeUInt16BE(Math.max(0, n) + 2, 2);
    parts.push(seg);
    left -= seg.length;
  }
  if (left > 0) parts.push(Buffer.alloc(left, 0x00));
  parts.push(tail);
  return Buffer.concat(parts);
}

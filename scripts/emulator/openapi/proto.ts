/**
 * The protobuf messages wx-server-sdk 4.0.2 uses for `wx.openApi` and
 * `wx.wxPayApi` (src/protobuf/openapi.js in the SDK bundle; same field numbers).
 * Sub-messages the emulator never reads (inner/svrkit/token data) are kept as bytes.
 */
import protobuf from 'protobufjs';

const root = protobuf.Root.fromJSON({
  nested: {
    KeyValuePair: {
      fields: {
        key: { type: 'string', id: 1 },
        value: { type: 'bytes', id: 2 },
        contenttype: { type: 'string', id: 3 },
        filename: { type: 'string', id: 4 },
      },
    },
    OpenApiData: { fields: { pairs: { rule: 'repeated', type: 'KeyValuePair', id: 1 } } },
    CommApiData: {
      fields: {
        apiType: { type: 'int32', id: 1 },
        openapiData: { type: 'OpenApiData', id: 2 },
        innerData: { type: 'bytes', id: 3 },
        svrkitData: { type: 'bytes', id: 4 },
        tokenData: { type: 'bytes', id: 5 },
        appid: { type: 'string', id: 6 },
      },
    },
    HttpHeader: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
    CommOpenApiResp: {
      fields: {
        respData: { type: 'bytes', id: 1 },
        contentType: { type: 'string', id: 2 },
        errorCode: { type: 'int32', id: 3 },
        httpCode: { type: 'uint32', id: 4 },
        headers: { rule: 'repeated', type: 'HttpHeader', id: 5 },
        svrkitErrorCode: { type: 'int32', id: 6 },
      },
    },
    ApiOptions: { fields: { appid: { type: 'string', id: 1 } } },
  },
});

export const CommApiData = root.lookupType('CommApiData');
export const CommOpenApiResp = root.lookupType('CommOpenApiResp');
export const ApiOptions = root.lookupType('ApiOptions');

export interface OpenApiPair {
  key: string;
  value: Buffer;
  contenttype?: string;
  filename?: string;
}

export interface DecodedCommApiData {
  apiType: number;
  appid?: string;
  pairs: OpenApiPair[];
}

export function decodeCommApiData(buf: Buffer): DecodedCommApiData {
  // biome-ignore lint/plugin/no-as-any: protobufjs types the bytes option as a constructor of String/Array and toObject as a plain object; Buffer works at run time and the result is narrowed to DecodedCommApiData below
  const msg = CommApiData.toObject(CommApiData.decode(buf), { defaults: false, bytes: Buffer as any }) as any;
  const pairs = (msg.openapiData?.pairs ?? []).map((p: any) => ({
    key: p.key,
    value: Buffer.from(p.value ?? []),
    contenttype: p.contenttype || undefined,
    filename: p.filename || undefined,
  }));
  return { apiType: msg.apiType ?? 0, appid: msg.appid || undefined, pairs };
}

export function encodeCommOpenApiResp(resp: { respData: Buffer; contentType?: string; errorCode?: number; httpCode?: number }): Buffer {
  const msg = CommOpenApiResp.create({
    respData: resp.respData,
    contentType: resp.contentType ?? 'application/json',
    errorCode: resp.errorCode ?? 0,
    httpCode: resp.httpCode ?? 200,
  });
  return Buffer.from(CommOpenApiResp.encode(msg).finish());
}

export function decodeApiOptions(buf: Buffer | undefined): { appid?: string } {
  if (!buf || !buf.length) return {};
  try {
    // biome-ignore lint/plugin/no-as-any: protobufjs's toObject answers { [k: string]: any }; the fields read are checked one by one below
    const o = ApiOptions.toObject(ApiOptions.decode(buf)) as any;
    return { appid: o.appid || undefined };
  } catch {
    return {};
  }
}

/**
 * A multipart part of an admin request as bytes, wherever the core put it:
 * binary parts in `files`, text parts in `params` (a Buffer-like JSON, a
 * base64 string, or text).
 */
export function partBytes(files: Record<string, Buffer> | undefined, params: Record<string, any>, name: string): Buffer | undefined {
  const f = files?.[name];
  // biome-ignore lint/plugin/no-as-any: a multipart part may arrive as a Uint8Array or an array of bytes; Buffer.from takes both at run time
  if (f) return Buffer.isBuffer(f) ? f : Buffer.from(f as any);
  const p = params[name];
  if (p === undefined || p === null) return undefined;
  if (Buffer.isBuffer(p)) return p;
  if (p instanceof Uint8Array) return Buffer.from(p);
  if (typeof p === 'object' && p.type === 'Buffer' && Array.isArray(p.data)) return Buffer.from(p.data);
  if (typeof p === 'string') return Buffer.from(p, 'latin1');
  return undefined;
}

/**
 * The message form (留言) of both detail pages: text ≤ MAX_MESSAGE characters,
 * up to MAX_MESSAGE_PHOTOS photos through the evidence upload, checked with
 * the functions' own schema before sending, refusals (rate limit, closed
 * after-sale) shown in Chinese under the form. Spread `threadData()` into the
 * page's data and `threadMethods(side)` into its methods; the page provides
 * `show(returnView)`.
 */
import { api, errorText, type ReturnView } from './api';
import { chooseAndUpload, type Uploaded } from './upload';
import { MAX_MESSAGE, MAX_MESSAGE_PHOTOS, buyerMessageSchema, staffMessageSchema, validateInput } from '../shared/contract';

export function threadData(side: 'buyer' | 'staff') {
  return {
    msgText: '',
    msgPhotos: [] as Uploaded[],
    msgRoom: MAX_MESSAGE_PHOTOS,
    msgError: '',
    msgSending: false,
    maxMessage: MAX_MESSAGE,
    msgPlaceholder: side === 'buyer' ? '给商家留言（最多 500 字，可附 3 张图片）' : '给买家留言（最多 500 字，可附 3 张图片），买家会收到通知',
  };
}

type ThreadPage = {
  data: ReturnType<typeof threadData> & { returnId: string };
  setData(d: Record<string, unknown>): void;
  show(r: ReturnView): void;
};

/** The refusal of a message in Chinese (the server's own message for INVALID_STATE: 留言太频繁…, 售后已结束…). */
export function messageErrorText(e: unknown): string {
  return errorText(e);
}

export function threadMethods(side: 'buyer' | 'staff') {
  const schema = side === 'buyer' ? buyerMessageSchema : staffMessageSchema;
  return {
    onMsgText(this: ThreadPage, e: WechatMiniprogram.Input) {
      this.setData({ msgText: e.detail.value, msgError: '' });
    },

    async onMsgPhoto(this: ThreadPage) {
      const room = MAX_MESSAGE_PHOTOS - this.data.msgPhotos.length;
      if (room <= 0) return;
      const added = await chooseAndUpload(room, ['image']);
      if (!added.length) return;
      const msgPhotos = [...this.data.msgPhotos, ...added].slice(0, MAX_MESSAGE_PHOTOS);
      this.setData({ msgPhotos, msgRoom: MAX_MESSAGE_PHOTOS - msgPhotos.length, msgError: '' });
    },

    onMsgRemove(this: ThreadPage, e: WechatMiniprogram.TouchEvent) {
      const msgPhotos = this.data.msgPhotos.slice();
      msgPhotos.splice(Number(e.currentTarget.dataset.index), 1);
      this.setData({ msgPhotos, msgRoom: MAX_MESSAGE_PHOTOS - msgPhotos.length });
    },

    onMsgPreview(this: ThreadPage, e: WechatMiniprogram.TouchEvent) {
      const url = String(e.currentTarget.dataset.url ?? '');
      const urls = ((e.currentTarget.dataset.urls ?? []) as { url: string }[]).map((p) => p.url);
      if (url) wx.previewImage({ urls: urls.length ? urls : [url], current: url });
    },

    async onMsgSend(this: ThreadPage) {
      if (this.data.msgSending) return;
      const text = this.data.msgText.trim();
      const evidence = this.data.msgPhotos.map((p) => p.fileID);
      const input = { returnId: this.data.returnId, text, ...(evidence.length ? { evidence } : {}) };
      // the functions' own rules and Chinese messages (empty, over 500 characters, over 3 photos)
      const checked = validateInput(schema, { action: 'message', requestId: 'mp-check-00000000', ...input });
      if (!checked.ok) {
        this.setData({ msgError: checked.error.details.issues[0]?.message ?? '留言内容不正确' });
        return;
      }
      this.setData({ msgSending: true, msgError: '' });
      try {
        const { return: r } = await api.message(side, input);
        this.setData({ msgText: '', msgPhotos: [], msgRoom: MAX_MESSAGE_PHOTOS });
        this.show(r);
      } catch (e) {
        this.setData({ msgError: messageErrorText(e) });
      } finally {
        this.setData({ msgSending: false });
      }
    },
  };
}

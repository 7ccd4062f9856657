/**
 * 省 / 市 / 区 from a one-line Chinese address (app/pickup.ts splitAddress),
 * for a courier booking when the region was not picked: logistics.addOrder
 * needs sender / receiver structured (docs/platform-limits.md O9).
 */
import { splitAddress } from '../../cloudfunctions/core/app/pickup';

describe('splitAddress', () => {
  it.each([
    ['北京市朝阳区示例街道 1 号院 2 单元 301', { province: '北京市', city: '北京市', area: '朝阳区', address: '示例街道 1 号院 2 单元 301' }],
    ['上海市浦东新区示例路 88 号 3 楼 售后仓', { province: '上海市', city: '上海市', area: '浦东新区', address: '示例路 88 号 3 楼 售后仓' }],
    ['上海市上海市徐汇区示例路 1 号', { province: '上海市', city: '上海市', area: '徐汇区', address: '示例路 1 号' }],
    ['重庆渝中区解放碑 1 号', { province: '重庆市', city: '重庆市', area: '渝中区', address: '解放碑 1 号' }],
    ['广东省广州市海珠区新港中路 1 号', { province: '广东省', city: '广州市', area: '海珠区', address: '新港中路 1 号' }],
    ['内蒙古自治区呼和浩特市新城区示例路 2 号', { province: '内蒙古自治区', city: '呼和浩特市', area: '新城区', address: '示例路 2 号' }],
    ['四川省阿坝藏族羌族自治州马尔康市示例路 3 号', { province: '四川省', city: '阿坝藏族羌族自治州', area: '马尔康市', address: '示例路 3 号' }],
    ['浙江省杭州市余杭区仓前街道 1 号 售后仓', { province: '浙江省', city: '杭州市', area: '余杭区', address: '仓前街道 1 号 售后仓' }],
  ])('%s', (text, expected) => {
    expect(splitAddress(text)).toEqual(expected);
  });

  it.each(['杭州市余杭区仓前街道 1 号', '示例街道 1 号院', '广东省广州市', ''])('cannot tell the region of %j → null', (text) => {
    expect(splitAddress(text)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SALT_LENGTH,
  constantTimeEqual,
  decodeBase64Padded,
  decodeBase64Unpadded,
  decodeHex,
  parseDecimal,
  saltTooWeak,
} from '../../../src/core/hashers/codec.js';

describe('hasher codec helpers', () => {
  it('parse only canonical decimals', () => {
    expect(parseDecimal('0')).toBe(0);
    expect(parseDecimal('260000')).toBe(260_000);
    for (const text of ['', '-1', '+1', '01', '1e3', '1.0', ' 1', '1 ', '0x10', '١٢', '9'.repeat(16)]) {
      expect(parseDecimal(text), text).toBeNull();
    }
  });

  it('decode base64 strictly, padded and unpadded', () => {
    expect(decodeBase64Padded('aGk=')?.toString()).toBe('hi');
    expect(decodeBase64Unpadded('aGk')?.toString()).toBe('hi');
    for (const text of ['', 'aGk', 'aG=k', 'aGk==', 'a-k=', 'aGl=']) {
      expect(decodeBase64Padded(text), text).toBeNull();
    }
    for (const text of ['aGk=', 'a', 'a_k', 'aGl']) {
      expect(decodeBase64Unpadded(text), text).toBeNull();
    }
  });

  it('decode lowercase hex of an exact length', () => {
    expect(decodeHex('00ff', 2)).toEqual(Buffer.from([0, 255]));
    expect(decodeHex('00FF', 2)).toBeNull();
    expect(decodeHex('00f', 2)).toBeNull();
    expect(decodeHex('00fg', 2)).toBeNull();
  });

  it('compare bytes, including different lengths', () => {
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abc'))).toBe(true);
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abd'))).toBe(false);
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abcd'))).toBe(false);
  });

  it("need Django's 22-character salts for 128 bits", () => {
    expect(DEFAULT_SALT_LENGTH).toBe(22);
    expect(saltTooWeak('a'.repeat(21))).toBe(true);
    expect(saltTooWeak('a'.repeat(22))).toBe(false);
  });
});

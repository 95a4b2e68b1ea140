import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GatehouseError } from '../../../src/core/errors.js';
import { Md5Hasher, Sha1Hasher, UnsaltedMd5Hasher, UnsaltedSha1Hasher } from '../../../src/core/hashers/index.js';

const hex = (digest: 'md5' | 'sha1', text: string): string => createHash(digest).update(text, 'utf8').digest('hex');

const md5 = new Md5Hasher();
const sha1 = new Sha1Hasher();
const unsaltedMd5 = new UnsaltedMd5Hasher();
const unsaltedSha1 = new UnsaltedSha1Hasher();

describe('legacy digest hashers (verify only)', () => {
  it('verify salted md5 and sha1 as hex(digest(salt + password))', async () => {
    const m = `md5$NaCl$${hex('md5', 'NaClhunter2')}`;
    const s = `sha1$NaCl$${hex('sha1', 'NaClhunter2')}`;
    expect(await md5.verify('hunter2', m)).toBe(true);
    expect(await sha1.verify('hunter2', s)).toBe(true);
    expect(await md5.verify('hunter3', m)).toBe(false);
    expect(await sha1.verify('hunter3', s)).toBe(false);
    expect(md5.decode(m)).toEqual({ algorithm: 'md5', params: {}, salt: 'NaCl', hash: hex('md5', 'NaClhunter2') });
  });

  it('verify unsalted md5 bare or after md5$$, and unsalted sha1 after sha1$$', async () => {
    const digest = hex('md5', 'hunter2');
    expect(await unsaltedMd5.verify('hunter2', digest)).toBe(true);
    expect(await unsaltedMd5.verify('hunter2', `md5$$${digest}`)).toBe(true);
    expect(await unsaltedMd5.verify('hunter3', digest)).toBe(false);
    expect(await unsaltedSha1.verify('hunter2', `sha1$$${hex('sha1', 'hunter2')}`)).toBe(true);
    expect(await unsaltedSha1.verify('hunter3', `sha1$$${hex('sha1', 'hunter2')}`)).toBe(false);
  });

  it('hash UTF-8 without normalising: NFC and NFD are different passwords', async () => {
    const nfc = 'Ångström'.normalize('NFC');
    const nfd = 'Ångström'.normalize('NFD');
    const encoded = `md5$salt$${hex('md5', `salt${nfc}`)}`;
    expect(await md5.verify(nfc, encoded)).toBe(true);
    expect(await md5.verify(nfd, encoded)).toBe(false);
  });

  it('never encode and always ask for an upgrade', async () => {
    for (const hasher of [md5, sha1, unsaltedMd5, unsaltedSha1]) {
      expect(hasher.canEncode).toBe(false);
      expect(hasher.saltLength).toBe(0);
      await expect(hasher.encode('pw', 'abcdefghijklmnopqrstuv')).rejects.toBeInstanceOf(GatehouseError);
      await expect(hasher.encode('pw', 'abcdefghijklmnopqrstuv')).rejects.toMatchObject({ code: 'gatehouse.hashers.verify_only' });
      expect(hasher.mustUpdate('anything')).toBe(true);
    }
  });

  it('return false, without throwing, for corrupt hashes', async () => {
    const digest = hex('md5', 'saltpw');
    const cases: [Md5Hasher | Sha1Hasher | UnsaltedMd5Hasher | UnsaltedSha1Hasher, string][] = [
      [md5, ''],
      [md5, `md5$salt$${digest.toUpperCase()}`], // Django's hexdigest() is lowercase: never matched
      [md5, `md5$salt$${digest.slice(1)}`],
      [md5, `md5$salt$${digest}0`],
      [md5, `md5$$${hex('md5', 'pw')}`], // empty salt belongs to unsalted_md5
      [md5, `md5$salt$x${digest.slice(1)}`],
      [md5, `md5$salt$${digest}$`],
      [sha1, `sha1$salt$${digest}`], // an MD5-sized digest
      [unsaltedMd5, hex('md5', 'pw').slice(2)],
      [unsaltedMd5, `md5$$${hex('md5', 'pw')}x`],
      [unsaltedSha1, `sha1$${hex('sha1', 'pw')}`],
      [unsaltedSha1, `sha1$$${hex('sha1', 'pw').slice(1)}`],
    ];
    for (const [hasher, encoded] of cases) {
      expect(hasher.decode(encoded), encoded).toBeNull();
      await expect(hasher.verify('pw', encoded), encoded).resolves.toBe(false);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, defineApps, isDeclarablePermissionName, permissionNameOf, splitPermissionName } from '../../src/core/index.js';

describe('permission names (app_label.codename), said once', () => {
  it('joins and splits at the first dot', () => {
    expect(permissionNameOf({ appLabel: 'billing', codename: 'approve_payout' })).toBe('billing.approve_payout');
    expect(splitPermissionName('billing.approve_payout')).toEqual({ appLabel: 'billing', codename: 'approve_payout' });
    // A Django codename may hold a dot or capitals: only the shape is checked when splitting.
    expect(splitPermissionName('legacy.Can.Export')).toEqual({ appLabel: 'legacy', codename: 'Can.Export' });
  });

  it('refuses names without both parts, or with whitespace', () => {
    for (const bad of ['', 'billing', '.approve', 'billing.', 'bill ing.x', 'billing.approve payout', 'a.b\n']) {
      expect(splitPermissionName(bad)).toBeNull();
    }
  });

  it('a declarable name has lower-case parts of letters, digits and underscores', () => {
    expect(isDeclarablePermissionName('billing.approve_payout')).toBe(true);
    expect(isDeclarablePermissionName('_x._y9')).toBe(true);
    for (const bad of ['Billing.approve', 'billing.9lives', 'billing.approve-payout', 'billing.a.b', 'billing', 42, null, `${'a'.repeat(101)}.x`]) {
      expect(isDeclarablePermissionName(bad)).toBe(false);
    }
  });

  it('defineApps refuses a part that is not declarable, with a coded ConfigError', () => {
    expect(() => defineApps({ Billing: {} })).toThrow(ConfigError);
    try {
      defineApps({ billing: { permissions: { 'approve-payout': 'x' } } });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).code).toBe('gatehouse.config.invalid_name');
    }
  });
});

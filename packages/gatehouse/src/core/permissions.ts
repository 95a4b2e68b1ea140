/**
 * Permissions declared in code. An app lists its models; add/change/delete/view are generated for
 * each (as Django does), and custom permissions are added by codename. The declaration is `const`
 * so `PermissionName<typeof apps>` is the exact union of `app.codename` strings: a misspelt
 * permission fails `tsc`, not production.
 */
import { ConfigError } from './errors.js';
import { assertDeclarableNamePart, permissionNameOf } from './permission-name.js';
import type { PermissionDefinition } from './ports.js';

/** The four permissions Django makes for every model. */
export type DefaultAction = 'add' | 'change' | 'delete' | 'view';

/** One model's declaration. */
export interface ModelDeclaration {
  /** Which of add/change/delete/view to generate; all four when omitted. */
  readonly defaultPermissions?: readonly DefaultAction[];
  /** Custom permissions tied to this model: codename → human-readable name. */
  readonly permissions?: Readonly<Record<string, string>>;
  /** Human-readable model name used in generated permission names ("Can add <verbose>"). */
  readonly verboseName?: string;
}

/** One app's declaration. */
export interface AppDeclaration {
  /** Models by lower-case name, as Django spells them in codenames. */
  readonly models?: Readonly<Record<string, ModelDeclaration>>;
  /** App-wide custom permissions: codename → human-readable name. */
  readonly permissions?: Readonly<Record<string, string>>;
}

/** Every app by label. */
export type AppsDeclaration = Readonly<Record<string, AppDeclaration>>;

/**
 * The `auth` app's own models, declared like any other so their permissions exist too. Sessions
 * and the audit log are models only for their permissions (the admin's screens): a session can be
 * viewed or ended, an audit entry only viewed (the log is append-only).
 */
export const authApp = {
  auth: {
    models: {
      user: {},
      group: {},
      permission: {},
      session: { defaultPermissions: ['view', 'delete'] },
      auditlog: { defaultPermissions: ['view'], verboseName: 'audit log' },
    },
  },
} as const satisfies AppsDeclaration;

type ActionsOf<M> = M extends { readonly defaultPermissions: readonly (infer D extends DefaultAction)[] } ? D : DefaultAction;
type CustomOf<T> = T extends { readonly permissions: infer P } ? keyof P & string : never;
type ModelPermissions<Label extends string, Models> = {
  [Model in keyof Models & string]: `${Label}.${ActionsOf<Models[Model]>}_${Model}` | `${Label}.${CustomOf<Models[Model]>}`;
}[keyof Models & string];
type AppPermissions<Label extends string, App> =
  | (App extends { readonly models: infer Models } ? ModelPermissions<Label, Models> : never)
  | `${Label}.${CustomOf<App>}`;

/** The union of every `app.codename` a declaration produces, plus the `auth` app's. */
export type PermissionName<Apps> = {
  [Label in keyof (Apps & typeof authApp) & string]: AppPermissions<Label, (Apps & typeof authApp)[Label]>;
}[keyof (Apps & typeof authApp) & string];

/** The app labels of a declaration (for `hasModulePerms`). */
export type AppLabel<Apps> = (keyof Apps & string) | 'auth';

/**
 * Declares the apps and their permissions. Returns its argument unchanged but typed exactly, so
 * `PermissionName<typeof apps>` can be derived from it; checks names at start-up.
 */
export function defineApps<const Apps extends AppsDeclaration>(apps: Apps): Apps {
  permissionDefinitions(apps);
  return apps;
}

/** Every permission the declaration produces, `auth`'s included, in a stable order. */
export function permissionDefinitions(apps: AppsDeclaration): PermissionDefinition[] {
  if (Object.hasOwn(apps, 'auth')) {
    // Spreading would silently replace the built-in auth permissions (auth.view_user and friends).
    throw new ConfigError('gatehouse.config.reserved_app_label', 'The app label "auth" is gatehouse\'s own: declare your models under another label.');
  }
  const all: AppsDeclaration = { ...authApp, ...apps };
  const out: PermissionDefinition[] = [];
  const seen = new Set<string>();
  const add = (def: PermissionDefinition): void => {
    const key = permissionNameOf(def);
    if (seen.has(key)) {
      throw new ConfigError('gatehouse.config.duplicate_permission', `Permission "${key}" is declared twice: codenames must be unique within an app.`);
    }
    if (def.name.length === 0 || def.name.length > 255) {
      throw new ConfigError('gatehouse.config.invalid_permission', `Permission "${key}" needs a name of 1 to 255 characters.`);
    }
    seen.add(key);
    out.push(def);
  };
  for (const [appLabel, app] of Object.entries(all)) {
    assertDeclarableNamePart('app label', appLabel);
    for (const [model, decl] of Object.entries(app.models ?? {})) {
      assertDeclarableNamePart(`model name in app "${appLabel}"`, model);
      const verbose = decl.verboseName ?? model.replace(/_/g, ' ');
      for (const action of decl.defaultPermissions ?? (['add', 'change', 'delete', 'view'] as const)) {
        add({ appLabel, model, codename: `${action}_${model}`, name: `Can ${action} ${verbose}` });
      }
      for (const [codename, name] of Object.entries(decl.permissions ?? {})) {
        assertDeclarableNamePart(`permission codename in "${appLabel}.${model}"`, codename);
        add({ appLabel, model, codename, name });
      }
    }
    for (const [codename, name] of Object.entries(app.permissions ?? {})) {
      assertDeclarableNamePart(`permission codename in app "${appLabel}"`, codename);
      add({ appLabel, model: null, codename, name });
    }
  }
  return out;
}

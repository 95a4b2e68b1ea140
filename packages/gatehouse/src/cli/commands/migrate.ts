/**
 * `gatehouse migrate`: brings the schema up to date, syncs the permissions the code declares and
 * applies the roles, in that order, so that roles never meet a permission that is not there yet.
 * Run it on every deploy; a second run changes nothing.
 */
import type { Command } from 'commander';
import { noteWithoutConfig, withContext } from '../context.js';
import { out, printJson } from '../output.js';

interface MigrateOptions {
  json?: boolean;
  prune?: boolean;
}

/** Registers `migrate`. */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('create or update the schema, sync permissions from code and apply the roles')
    .option('--prune', 'also revoke permissions that a role no longer declares')
    .option('--json', 'print what was done as JSON')
    .action(async (options: MigrateOptions, command: Command) => {
      await withContext(command, { migrated: false, create: true }, async (ctx) => {
        const emailUnique = ctx.gatehouse.config.emailUnique;
        const schema = await ctx.database.migrate({ emailUnique });
        const setup = await ctx.gatehouse.setup({ prune: options.prune === true });
        if (options.json) {
          printJson({ configModule: ctx.loaded.path, applied: schema.applied, emailUnique, permissions: setup.permissions, roles: setup.roles });
          return;
        }
        noteWithoutConfig(ctx, "syncing auth's own permissions only, no roles.");
        out(schema.applied.length > 0 ? `Schema: applied ${schema.applied.join(', ')}.` : 'Schema: up to date.');
        out(`Email uniqueness: ${emailUnique ? 'on (case-insensitive unique index)' : 'off (several accounts may share an email, as in Django)'}.`);
        const { created, updated } = setup.permissions;
        out(`Permissions: ${created.length} created, ${updated.length} updated, ${ctx.gatehouse.permissionNames.length} declared.`);
        for (const name of created) out(`  + ${name}`);
        for (const name of updated) out(`  ~ ${name}`);
        const roles = setup.roles;
        const declared = Object.keys(ctx.loaded.app.roles).length;
        if (roles.createdGroups.length + roles.granted.length + roles.revoked.length === 0) {
          out(`Roles: ${declared} declared, already applied.`);
        } else {
          out(`Roles: ${declared} declared, applied.`);
          for (const name of roles.createdGroups) out(`  + role ${name} (new group)`);
          for (const g of roles.granted) out(`  ${g.role}: granted ${g.permissions.join(', ')}`);
          for (const r of roles.revoked) out(`  ${r.role}: revoked ${r.permissions.join(', ')}`);
        }
      });
    });
}

/**
 * The documentation site (VitePress). `npm run docs:dev` serves it with live reload;
 * `npm run docs:build` writes the CLI reference from the commands' own help, then builds the
 * static site into docs/.vitepress/dist (git-ignored).
 */
import { defineConfig } from 'vitepress';

export default defineConfig({
  title: 'gatehouse',
  description: 'Django-grade authentication and authorization for TypeScript backends',
  cleanUrls: true,
  lastUpdated: false,
  // docs/design.md is the project's own architecture record: it is rendered too, linked from the
  // security model, but kept out of the guide's sidebar.
  srcExclude: ['**/README.md'],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/getting-started' },
      { text: 'CLI', link: '/cli' },
      { text: 'Security model', link: '/security-model' },
    ],
    sidebar: [
      {
        text: 'Start',
        items: [
          { text: 'Introduction', link: '/' },
          { text: 'Getting started', link: '/getting-started' },
          { text: 'Express', link: '/express' },
          { text: 'Deploying to production', link: '/deploying' },
          { text: 'Hono', link: '/hono' },
        ],
      },
      {
        text: 'Access control',
        items: [
          { text: 'Permissions and roles', link: '/permissions-and-roles' },
          { text: 'Guards and route access', link: '/guards-and-routes' },
          { text: 'Object rules and list filters', link: '/object-rules' },
          { text: 'Re-authentication', link: '/reauthentication' },
        ],
      },
      {
        text: 'Accounts',
        items: [
          { text: 'Account views and templates', link: '/account-views' },
          { text: 'SPAs, mobile apps and API tokens', link: '/api-clients' },
          { text: 'Audit log', link: '/audit-log' },
          { text: 'Admin', link: '/admin' },
          { text: 'Migrating from Django', link: '/migrating-from-django' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'Testing your app', link: '/testing' },
          { text: 'CLI reference', link: '/cli' },
          { text: 'Security model', link: '/security-model' },
          { text: 'How it is built', link: '/design' },
        ],
      },
    ],
    search: { provider: 'local' },
    outline: { level: [2, 3] },
  },
});

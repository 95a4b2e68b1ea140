#!/usr/bin/env node
// The `gatehouse` command's entry point. It is a committed file rather than dist/cli/main.js
// itself: npm links a package's bin when it installs it, and a bin pointing into dist/ does not
// exist until the first build, so `npx gatehouse` run before it would fall through to the
// registry and fetch some other package of that name. This file always exists and says what to do.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(`gatehouse: the command is not built yet: run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exit(3);
}
await import(main.href);

// `npm pack` / `npm publish`: the package ships the repository's README and LICENSE, which live at
// the repository root (one copy each); they are copied in here just before packing.
import { copyFileSync } from 'node:fs';

for (const file of ['README.md', 'LICENSE']) {
  copyFileSync(new URL(`../../../${file}`, import.meta.url), new URL(`../${file}`, import.meta.url));
}

// Loaded into the example by bench/profile-routes.mjs (`node --import`): SIGUSR2 starts V8's CPU
// profiler, the next SIGUSR2 stops it and writes the profile to $PROFILE_DIR/<n>.cpuprofile. The
// profiler samples only while asked, so start-up and the warm-up are left out of each window.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const session = new Session();
session.connect();
const directory = process.env.PROFILE_DIR ?? '.';
let running = false;
let written = 0;

function post(method, params = {}) {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
}

process.on('SIGUSR2', async () => {
  if (!running) {
    await post('Profiler.enable');
    // 100 µs between samples: a request costs ~30–400 µs, so the default 1 ms is too coarse.
    await post('Profiler.setSamplingInterval', { interval: 100 });
    await post('Profiler.start');
    running = true;
    return;
  }
  const { profile } = await post('Profiler.stop');
  running = false;
  written += 1;
  writeFileSync(join(directory, `${written}.cpuprofile`), JSON.stringify(profile));
});

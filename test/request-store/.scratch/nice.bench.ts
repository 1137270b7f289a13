import { Worker } from 'node:worker_threads';
import { readFileSync, readdirSync } from 'node:fs';
const w = new Worker(`const os = require('node:os'); os.setPriority(5); require('node:worker_threads').parentPort.postMessage(os.getPriority());`, { eval: true });
w.on('message', (p) => {
  const nice = readdirSync('/proc/self/task').map((t) => [t, readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1].split(' ')[16]]);
  console.log('worker sees', p, 'main sees', 0, nice);
  process.exit(0);
});

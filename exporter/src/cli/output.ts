// Writes to stdout and waits until it is drained, so a pipe to `head` or a file gets everything.
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

/** Where a command's result goes: a file (--out), or stdout. */
import { writeFile } from 'node:fs/promises';

export async function emit(data: string | Uint8Array, out: string | undefined): Promise<void> {
  if (out && out !== '-') {
    await writeFile(out, data);
    return;
  }
  await new Promise<void>((resolve, reject) => process.stdout.write(data, (error) => (error ? reject(error) : resolve())));
}

/** Writes a line to stderr: progress and notes go there, so stdout stays the result (pipe it, parse it). */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

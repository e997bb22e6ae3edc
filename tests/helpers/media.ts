import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Makes a media file with the machine's ffmpeg (`args` are its inputs and options; `out` is written). */
export async function ffmpeg(out: string, args: string[]): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  await run('ffmpeg', ['-v', 'error', '-y', ...args, out], { timeout: 60_000 });
}

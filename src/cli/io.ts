/** The CLI's window on the world; tests pass their own to run commands in-process. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: () => Promise<string>;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/**
 * A reader that stops reading (`check | head`) closes the pipe: the writes after that fail with EPIPE, which Node
 * raises as an unhandled 'error' event (a stack trace and exit status 1 or 2). The run instead goes on quietly and
 * ends with the exit code it would have had; output to a closed stream is dropped. Other stream errors still throw.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    closed = true;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

let streams: { stdout: (t: string) => void; stderr: (t: string) => void } | undefined;

export function processIO(): CliIO {
  streams ??= { stdout: quietOnClosedPipe(process.stdout), stderr: quietOnClosedPipe(process.stderr) };
  const { stdout, stderr } = streams;
  return {
    stdout,
    stderr,
    stdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    isTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Colour unless NO_COLOR is set, --no-color was given, or stdout is not a terminal (FORCE_COLOR wins). */
export function useColor(io: CliIO, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return Boolean(process.stdout.isTTY) && io.isTTY;
}

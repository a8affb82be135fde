/**
 * Progress of long operations (`lattice build`, `app deploy --wait`, `push`, `dev`): one line on
 * stderr, redrawn in place on a terminal, and nothing at all in a pipe or a file (scripts read
 * stdout; their logs stay clean). `LATTICE_PROGRESS=never|always` overrides the detection.
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function progressWanted(stream: NodeJS.WriteStream = process.stderr): boolean {
  const forced = process.env.LATTICE_PROGRESS;
  if (forced === 'never') return false;
  if (forced === 'always') return true;
  return stream.isTTY === true && process.env.TERM !== 'dumb' && !process.env.CI;
}

export interface Progress {
  /** Replaces the current line's text. */
  update(text: string): void;
  /** Ends the line with a final text (kept on screen), or clears it. */
  done(text?: string): void;
}

const silent: Progress = { update: () => undefined, done: () => undefined };

export function progress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!progressWanted(stream)) return silent;
  let text = '';
  let frame = 0;
  let drawn = false;
  const draw = () => {
    const width = Math.max(20, (stream.columns ?? 80) - 3);
    const line = `${FRAMES[frame++ % FRAMES.length]} ${text}`.slice(0, width);
    stream.write(`\r\x1b[2K${line}`);
    drawn = true;
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    update(next) {
      text = next;
      draw();
    },
    done(final) {
      clearInterval(timer);
      if (drawn) stream.write('\r\x1b[2K');
      if (final) stream.write(`${final}\n`);
    },
  };
}

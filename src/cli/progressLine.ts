// The one updating line `conflag run` shows on a terminal. Anything else printed meanwhile (a warning from the
// logger) goes above it: the line is cleared, the text written, the line drawn again — so the terminal keeps
// one progress line whatever is logged.
export interface ProgressLine {
  update(text: string): void;
  /** Writes other output (to any stream) above the progress line. */
  above(write: () => void): void;
  /** Ends the line, so what follows starts on its own. */
  end(): void;
}

const CLEAR = '\r\u001b[K';

export function progressLine(out: NodeJS.WritableStream): ProgressLine {
  let current = '';
  return {
    update(text) {
      current = text;
      out.write(`${CLEAR}${text}`);
    },
    above(write) {
      if (current) out.write(CLEAR);
      write();
      if (current) out.write(current);
    },
    end() {
      if (current) out.write('\n');
      current = '';
    },
  };
}

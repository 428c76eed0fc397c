/**
 * Where a JSON text first goes wrong, as line and column. JSON.parse's own message quotes the text around the
 * error ("Unexpected token 'r', "root:x:0:0"…"), which must never reach a message about a file Tessera did
 * not write; this scanner finds the position without keeping any of the text.
 */

export interface TextPosition {
  line: number;
  column: number;
}

/** The 1-based line and column of the first character that is not valid JSON; null when the text is valid. */
export function jsonErrorPosition(text: string): TextPosition | null {
  let offset: number;
  try {
    offset = new Scanner(text).firstError();
  } catch {
    return null; // nested deeper than the stack allows: no position to give
  }
  return offset < 0 ? null : positionOf(text, offset);
}

function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Thrown at the first bad character; `offset` is where it is. */
class Stop {
  constructor(readonly offset: number) {}
}

class Scanner {
  private i = 0;
  constructor(private readonly text: string) {}

  /** The offset of the first error, or -1. */
  firstError(): number {
    try {
      this.value();
      this.space();
      if (this.i < this.text.length) throw new Stop(this.i);
      return -1;
    } catch (error) {
      if (error instanceof Stop) return error.offset;
      throw error;
    }
  }

  private space(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i] as string)) this.i++;
  }

  private expect(char: string): void {
    if (this.text[this.i] !== char) throw new Stop(this.i);
    this.i++;
  }

  private value(): void {
    this.space();
    const c = this.text[this.i];
    if (c === '{')
      return this.container('}', () => {
        this.space();
        this.string();
        this.space();
        this.expect(':');
        this.value();
      });
    if (c === '[') return this.container(']', () => this.value());
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    throw new Stop(this.i);
  }

  private container(close: string, member: () => void): void {
    this.i++;
    this.space();
    if (this.text[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      member();
      this.space();
      if (this.text[this.i] !== ',') return this.expect(close);
      this.i++;
    }
  }

  private string(): void {
    this.expect('"');
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined || c < ' ') throw new Stop(this.i);
      this.i++;
      if (c === '"') return;
      if (c === '\\') {
        const escape = this.text[this.i];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i + 1, this.i + 5))) throw new Stop(this.i);
          this.i += 5;
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) this.i++;
        else throw new Stop(this.i);
      }
    }
  }

  private number(): void {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.i;
    if (!match.test(this.text)) throw new Stop(this.i);
    this.i = match.lastIndex;
  }
}

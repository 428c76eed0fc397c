/**
 * An answer's token probabilities as stored in `messages.token_probs`: compact JSON, one array per token,
 * `[text, p, [[alternative, p], …]]`, probabilities kept to 4 significant digits (shading needs far less).
 * About a third of the size of the objects the contract carries.
 */
import type { TokenConfidence } from '../../app/chat.ts';

type PackedToken = [string, number, Array<[string, number]>];

const round = (p: number) => (Number.isFinite(p) ? Number(p.toPrecision(4)) : 0);

export function packConfidence(tokens: readonly TokenConfidence[]): string {
  const packed: PackedToken[] = tokens.map((t) => [
    t.text,
    round(t.p),
    t.alternatives.map((a): [string, number] => [a.text, round(a.p)]),
  ]);
  return JSON.stringify(packed);
}

/** null for anything that is not the packed form (a damaged row shows no shading rather than failing). */
export function unpackConfidence(json: string): TokenConfidence[] | null {
  let packed: unknown;
  try {
    packed = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(packed)) return null;
  const tokens: TokenConfidence[] = [];
  for (const entry of packed) {
    if (!isPackedToken(entry)) return null;
    const [text, p, alternatives] = entry;
    tokens.push({ text, p, alternatives: alternatives.map(([a, ap]) => ({ text: a, p: ap })) });
  }
  return tokens;
}

function isPackedToken(entry: unknown): entry is PackedToken {
  return (
    Array.isArray(entry) &&
    typeof entry[0] === 'string' &&
    typeof entry[1] === 'number' &&
    Array.isArray(entry[2]) &&
    (entry[2] as unknown[]).every(
      (a) => Array.isArray(a) && typeof a[0] === 'string' && typeof a[1] === 'number',
    )
  );
}

import { describeLlamaDecoder } from '../../../testing/decoder-suite.ts';
import { testModelDir } from '../../../testing/test-models.ts';
import { smolvlmDims } from './generate-dims.ts';
import { SMOLVLM_LEADING_SPECIALS, smolvlmTokenizer, smolvlmTrailingSpecials } from './generate.ts';

const dims = smolvlmDims('tiny');
const vocab = smolvlmTokenizer(dims, 1).vocab;

describeLlamaDecoder({
  label: 'SmolVLM',
  dir: () => testModelDir(),
  dims: dims.text,
  silentIds: [...SMOLVLM_LEADING_SPECIALS, ...smolvlmTrailingSpecials()].map((t) => vocab.get(t) as number),
});

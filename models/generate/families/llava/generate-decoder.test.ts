import { describeLlamaDecoder } from '../../../testing/decoder-suite.ts';
import { testModelDir } from '../../../testing/test-models.ts';
import { llavaDims } from './generate-dims.ts';
import { llavaSilentIds, llavaTokenizer } from './generate.ts';

const dims = llavaDims('tiny');

describeLlamaDecoder({
  label: 'LLaVA (multi-head attention, vocabulary padded past the tokenizer)',
  dir: () => testModelDir({ family: 'llava' }),
  dims: dims.text,
  silentIds: llavaSilentIds(dims, llavaTokenizer(dims, 1)),
});

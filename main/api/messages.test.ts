/**
 * OpenAI messages → the engine's messages, with the family geometry of a generated model: roles, parts,
 * images in each accepted format, detail, and every refusal naming the part at fault.
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_ATTACHMENT_BYTES } from '../../app/ipc/contract.ts';
import { bindFolder } from '../../models/families/plan-folder.ts';
import type { FamilyGeometry } from '../../models/families/family.ts';
import { imageHash } from '../../models/image/decode.ts';
import { noiseImage } from '../../models/testing/images.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { ApiError } from './errors.ts';
import { translateMessages } from './messages.ts';
import type { ChatRequestMessage } from './schemas.ts';

let family: FamilyGeometry;
let png: Uint8Array;

beforeAll(async () => {
  family = bindFolder(await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 }));
  png = await noiseImage(64, 48, 1);
});

const dataUrl = (bytes: Uint8Array, mime = 'image/png') =>
  `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
const translate = (messages: ChatRequestMessage[], fetchImageUrls = false) =>
  translateMessages(messages, { family, fetchImageUrls });

async function refusal(messages: ChatRequestMessage[]): Promise<ApiError> {
  const error = await translate(messages).catch((e: unknown) => e);
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

describe('translateMessages', () => {
  it('keeps roles and text (developer is a system message), and parts in order', async () => {
    const { messages, plans } = await translate([
      { role: 'developer', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look: ' },
          { type: 'image_url', image_url: { url: dataUrl(png) } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'A ' },
          { type: 'text', text: 'square.' },
        ],
      },
    ]);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(messages[0]?.content).toEqual([{ type: 'text', text: 'Be brief.' }]);
    expect(messages[1]?.content[0]).toEqual({ type: 'text', text: 'Look: ' });
    expect(messages[1]?.content[1]).toMatchObject({
      type: 'image',
      sha256: imageHash(png),
      detail: family.defaultDetail,
    });
    expect(messages[2]?.content).toEqual([
      { type: 'text', text: 'A ' },
      { type: 'text', text: 'square.' },
    ]);
    expect(plans).toEqual([family.planImage({ width: 64, height: 48 }, family.defaultDetail)]);
  });

  it('takes PNG, JPEG, WebP and GIF, whatever the data: URL says, with low and high detail', async () => {
    const raw = sharp(Buffer.from(await noiseImage(40, 30, 2)));
    const files = [
      await noiseImage(40, 30, 2, 'jpeg'),
      new Uint8Array(await raw.clone().webp().toBuffer()),
      new Uint8Array(await raw.clone().gif().toBuffer()),
    ];
    for (const [i, bytes] of files.entries()) {
      const detail = i % 2 === 0 ? 'low' : 'high';
      const { plans } = await translate([
        {
          role: 'user',
          content: [{ type: 'image_url', image_url: { url: dataUrl(bytes, 'image/png'), detail } }],
        },
      ]);
      expect(plans[0]).toMatchObject({ detail, original: { width: 40, height: 30 } });
    }
  });

  it('refuses images that are not images, not base64, too large, or outside a user message', async () => {
    const at = 'messages[0].content[0].image_url';
    const cases: [ChatRequestMessage, string, string][] = [
      [
        {
          role: 'user',
          content: [{ type: 'image_url', image_url: { url: dataUrl(new TextEncoder().encode('%PDF-1.7')) } }],
        },
        'invalid_image_format',
        at,
      ],
      [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png,rawbytes' } }] },
        'invalid_image_url',
        at,
      ],
      [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,@@@@' } }] },
        'invalid_image_url',
        at,
      ],
      [
        {
          role: 'user',
          content: [
            {
              type: 'image_url',
              image_url: {
                url: `data:image/png;base64,${'A'.repeat(Math.ceil(MAX_ATTACHMENT_BYTES / 3) * 4 + 8)}`,
              },
            },
          ],
        },
        'image_too_large',
        at,
      ],
      [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] },
        'invalid_image_url',
        at,
      ],
      [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] },
        'image_url_not_allowed',
        at,
      ],
      [
        { role: 'system', content: [{ type: 'image_url', image_url: { url: dataUrl(png) } }] },
        'invalid_request',
        at,
      ],
    ];
    for (const [message, code, param] of cases) {
      const error = await refusal([message]);
      expect(error.status, code).toBe(400);
      expect(error.param, code).toBe(param);
      if (code !== 'invalid_request') expect(error.code).toBe(code);
    }
    const empty = await refusal([{ role: 'user', content: null }]);
    expect(empty.param).toBe('messages[0].content');
  });
});

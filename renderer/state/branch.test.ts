import { describe, expect, it } from 'vitest';
import type { Message } from '../../app/ipc/contract.ts';
import { branchPath, buildTree, messageText, siblingInfo } from './branch.ts';

let clock = 0;
function msg(id: string, parentId: string | null, role: Message['role'] = 'user'): Message {
  return {
    id,
    threadId: 't',
    parentId,
    role,
    parts: [{ type: 'text', text: id }],
    status: 'complete',
    createdAt: ++clock,
    stats: null,
    error: null,
  };
}

//   q1 ─ a1 ─ q2 ─ a2
//      ├ a1b          (a regenerated answer)
//      └ a1c ─ q3     (another version, continued)
const messages = [
  msg('q1', null),
  msg('a1', 'q1', 'assistant'),
  msg('q2', 'a1'),
  msg('a2', 'q2', 'assistant'),
  msg('a1b', 'q1', 'assistant'),
  msg('a1c', 'q1', 'assistant'),
  msg('q3', 'a1c'),
];
const tree = buildTree(messages);
function get(id: string, from = tree): Message {
  const message = from.byId.get(id);
  if (!message) throw new Error(`no ${id}`);
  return message;
}
const ids = (list: Message[]) => list.map((m) => m.id);

describe('branchPath', () => {
  it('walks from the root to the current leaf through parentId', () => {
    expect(ids(branchPath(tree, 'a2'))).toEqual(['q1', 'a1', 'q2', 'a2']);
    expect(ids(branchPath(tree, 'q3'))).toEqual(['q1', 'a1c', 'q3']);
    expect(ids(branchPath(tree, 'a1b'))).toEqual(['q1', 'a1b']);
  });

  it('is empty without a leaf, and stops at a message that is not loaded', () => {
    expect(branchPath(tree, null)).toEqual([]);
    expect(branchPath(tree, 'missing')).toEqual([]);
    const partial = buildTree([msg('x2', 'x1'), msg('x3', 'x2')]);
    expect(ids(branchPath(partial, 'x3'))).toEqual(['x2', 'x3']);
  });

  it('cuts a cycle instead of looping forever', () => {
    const cyclic = buildTree([msg('c1', 'c2'), msg('c2', 'c1')]);
    expect(ids(branchPath(cyclic, 'c1'))).toEqual(['c2', 'c1']);
  });
});

describe('siblingInfo', () => {
  it('numbers versions in creation order with neighbours', () => {
    const info = siblingInfo(tree, get('a1b'));
    expect(info).toMatchObject({ index: 2, count: 3 });
    expect(info.previous?.id).toBe('a1');
    expect(info.next?.id).toBe('a1c');
  });

  it('treats root messages as siblings of each other, and a lone message as 1/1', () => {
    const roots = buildTree([msg('r1', null), msg('r2', null)]);
    expect(siblingInfo(roots, get('r2', roots))).toMatchObject({ index: 2, count: 2, next: null });
    expect(siblingInfo(tree, get('q2'))).toMatchObject({ index: 1, count: 1 });
  });
});

it('messageText joins the text parts and skips images', () => {
  expect(
    messageText({
      parts: [
        { type: 'text', text: 'a' },
        {
          type: 'image',
          image: {
            sha256: 'x'.repeat(64),
            name: 'i.png',
            mime: 'image/png',
            width: 1,
            height: 1,
            detail: 'low',
          },
        },
        { type: 'text', text: 'b' },
      ],
    }),
  ).toBe('a\n\nb');
});

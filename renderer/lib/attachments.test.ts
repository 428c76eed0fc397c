import { describe, expect, it } from 'vitest';
import { MAX_ATTACHMENT_BYTES } from '../../app/ipc/contract.ts';
import { attachmentProblem, filesFromTransfer, namePastedFiles, readBytes } from './attachments.ts';

const png = (name = 'image.png') =>
  new File([new Uint8Array([137, 80, 78, 71])], name, { type: 'image/png' });
const item = (file: File) => ({ kind: 'file', type: file.type, getAsFile: () => file });
const text = (type = 'text/plain') => ({ kind: 'string', type, getAsFile: () => null });

describe('filesFromTransfer', () => {
  it('reads clipboard items, where screenshot tools put the image (files is empty)', () => {
    const shot = png();
    expect(
      filesFromTransfer({ items: [item(shot)], files: [], types: ['Files'] }, { forPaste: true }),
    ).toEqual([shot]);
  });

  it('falls back to files when items have none', () => {
    const file = png('diagram.png');
    expect(filesFromTransfer({ items: [text()], files: [file], types: ['text/plain', 'Files'] })).toEqual([
      file,
    ]);
    expect(filesFromTransfer({ files: [file] })).toEqual([file]);
  });

  it('yields nothing for text, so text paste keeps working', () => {
    expect(filesFromTransfer({ items: [text(), text('text/html')], files: [] }, { forPaste: true })).toEqual(
      [],
    );
  });

  it('prefers the text of rich-text copies (office apps add a picture of the selection)', () => {
    const data = {
      items: [text(), text('text/rtf'), item(png())],
      types: ['text/plain', 'text/rtf', 'Files'],
    };
    expect(filesFromTransfer(data, { forPaste: true })).toEqual([]);
    expect(filesFromTransfer(data)).toHaveLength(1); // dropping the same is still an image
  });

  it('keeps every file in order, images or not (non-images get an inline error later)', () => {
    const a = png('a.png');
    const b = new File(['%PDF'], 'b.pdf', { type: 'application/pdf' });
    expect(filesFromTransfer({ items: [item(a), item(b)] })).toEqual([a, b]);
  });
});

describe('namePastedFiles', () => {
  it('numbers pasted images across pastes, with the right extension', () => {
    const first = namePastedFiles([png(), png()], 0, []);
    expect(first).toEqual({ names: ['Pasted image 1.png', 'Pasted image 2.png'], count: 2 });
    const jpeg = new File(['x'], 'image.jpg', { type: 'image/jpeg' });
    expect(namePastedFiles([jpeg], first.count, first.names).names).toEqual(['Pasted image 3.jpg']);
  });

  it('names a pasted file that is not an image by its real type', () => {
    const pdf = new File(['%PDF'], 'image.png', { type: 'application/pdf' });
    const odd = new File(['x'], 'Report.DOCX', { type: 'application/x-unknown' });
    const bare = new File(['x'], 'blob', { type: '' });
    expect(namePastedFiles([pdf, odd, bare, png()], 0, []).names).toEqual([
      'Pasted file 1.pdf',
      'Pasted file 2.docx',
      'Pasted file 3',
      'Pasted image 4.png',
    ]);
  });

  it('skips names already attached', () => {
    expect(namePastedFiles([png()], 0, ['Pasted image 1.png']).names).toEqual(['Pasted image 2.png']);
  });
});

describe('attachmentProblem', () => {
  it('accepts images, by type or (without a type) by extension', () => {
    expect(attachmentProblem({ name: 'a.png', type: 'image/png', size: 10 })).toBeNull();
    expect(attachmentProblem({ name: 'photo.HEIC', type: '', size: 10 })).toBeNull();
  });

  it('explains what is wrong', () => {
    expect(attachmentProblem({ name: 'notes.txt', type: 'text/plain', size: 10 })).toBe('Not an image');
    expect(attachmentProblem({ name: 'blob', type: '', size: 10 })).toBe('Not an image');
    expect(attachmentProblem({ name: 'a.png', type: 'image/png', size: 0 })).toBe('The file is empty');
    expect(attachmentProblem({ name: 'a.png', type: 'image/png', size: MAX_ATTACHMENT_BYTES + 1 })).toMatch(
      /^Too large/,
    );
  });
});

it('readBytes returns the file content', async () => {
  expect([...(await readBytes(png()))]).toEqual([137, 80, 78, 71]);
});

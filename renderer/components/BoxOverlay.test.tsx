// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ImageBox } from '../lib/boxes/map.ts';
import { describeBoxes } from '../lib/boxes/answer-boxes.ts';
import { BoxOverlay } from './BoxOverlay.tsx';

afterEach(cleanup);

const boxes: ImageBox[] = [
  { label: 'cat', x: 100, y: 50, width: 400, height: 300 },
  { label: '', x: 0, y: 0, width: 10, height: 10 },
  { label: 'Cat', x: 600, y: 400, width: 100, height: 100 },
];

describe('BoxOverlay', () => {
  it('places each box in percentages of the image, so it scales with the image shown', () => {
    render(
      <BoxOverlay
        image={{ width: 1000, height: 500 }}
        boxes={boxes}
        imageLabel="Image 1"
        onCrop={() => {}}
      />,
    );
    const [cat] = screen.getAllByTestId('image-box');
    expect(cat?.style.left).toBe('10%');
    expect(cat?.style.top).toBe('10%');
    expect(cat?.style.width).toBe('40%');
    expect(cat?.style.height).toBe('60%');
  });

  it('names every box for keyboard and screen-reader users, and colours a label the same each time', () => {
    render(
      <BoxOverlay
        image={{ width: 1000, height: 500 }}
        boxes={boxes}
        imageLabel="Image 1"
        onCrop={() => {}}
      />,
    );
    expect(screen.getByRole('group', { name: 'Boxes on Image 1' })).toBeTruthy();
    const buttons = screen.getAllByRole('button');
    expect(buttons.map((b) => b.getAttribute('aria-label'))).toEqual([
      'cat, 400×300 pixels: attach this region as a new image',
      'Box 2, 10×10 pixels: attach this region as a new image',
      'Cat, 100×100 pixels: attach this region as a new image',
    ]);
    const colour = (b: HTMLElement | undefined) => b?.style.getPropertyValue('--box-colour');
    expect(colour(buttons[0])).toBe(colour(buttons[2]));
    expect(colour(buttons[0])).not.toBe(colour(buttons[1]));
  });

  it('hands the clicked box to the crop', () => {
    const onCrop = vi.fn();
    render(
      <BoxOverlay image={{ width: 1000, height: 500 }} boxes={boxes} imageLabel="Image 1" onCrop={onCrop} />,
    );
    fireEvent.click(screen.getByRole('button', { name: /^cat,/ }));
    expect(onCrop).toHaveBeenCalledWith(boxes[0]);
  });
});

describe('the note under the answer', () => {
  const image = {
    sha256: 'a'.repeat(64),
    name: 'a.png',
    mime: 'image/png',
    width: 10,
    height: 10,
    detail: 'high' as const,
  };
  it('says how many boxes are on which image, and how many could not be placed', () => {
    expect(describeBoxes({ image, boxes: boxes.slice(0, 1), unplaced: 0 }, 2)).toBe('1 box on image 2');
    expect(describeBoxes({ image, boxes, unplaced: 2 }, 1)).toBe(
      '3 boxes on image 1 (2 more could not be placed)',
    );
  });
});

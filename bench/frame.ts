import sharp from 'sharp';

import { loadImage, type RawImage } from '../lib/index.js';
import { fixture } from '../test/helpers/fixtures.js';

/** A real 1920x1080 RGB frame for the letterbox benches: zidane.jpg upscaled (content matters little to the timing). */
export async function hdFrame(): Promise<RawImage & { channels: 3; order: 'rgb' }> {
  const zidane = await loadImage(fixture('images/zidane.jpg'));
  const data = await sharp(zidane.data, { raw: { width: zidane.width, height: zidane.height, channels: 3 } })
    .resize(1920, 1080)
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data), width: 1920, height: 1080, channels: 3, order: 'rgb' };
}

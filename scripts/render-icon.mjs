// Renders the extension's marketplace icon, media/icon.png (128x128), from the SVG below:
// the activity-bar glyph (media/diffusion-lab.svg) in colour — a clean square dissolving
// into noise, the forward diffusion process. Run after changing the drawing:
//   node scripts/render-icon.mjs
import sharp from 'sharp';

// Dots drift right and scatter, as noise grows with t. Deterministic: a fixed LCG seed.
let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const dots = [];
for (let i = 0; i < 46; i++) {
  const t = i / 45; // 0: next to the square, 1: pure noise at the right edge
  const x = 62 + t * 54 + (random() - 0.5) * 10;
  const y = 64 + (random() - 0.5) * (26 + t * 70);
  const r = 3.2 - t * 1.6;
  const opacity = (1 - t * 0.55).toFixed(2);
  dots.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r.toFixed(2)}" fill="#ffd27a" fill-opacity="${opacity}"/>`);
}

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#1d2b53"/>
      <stop offset="1" stop-color="#3b1d5a"/>
    </linearGradient>
  </defs>
  <rect x="0" y="0" width="128" height="128" rx="24" fill="url(#bg)"/>
  <rect x="14" y="44" width="40" height="40" rx="6" fill="#ffd27a"/>
  ${dots.join('\n  ')}
</svg>`;

await sharp(Buffer.from(svg)).png({ compressionLevel: 9, palette: true }).toFile(new URL('../media/icon.png', import.meta.url).pathname);
console.log('wrote media/icon.png');

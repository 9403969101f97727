// Replaced at build time by esbuild's define; the fallback serves tests run from source.
declare const __DIFFUSION_LAB_VERSION__: string | undefined;

export const VERSION: string = typeof __DIFFUSION_LAB_VERSION__ === 'string' ? __DIFFUSION_LAB_VERSION__ : '0.0.0-dev';

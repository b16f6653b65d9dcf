/**
 * A small seeded pseudo-random generator for bounded, reproducible fuzz tests, and generators of
 * hostile strings.
 */

/** mulberry32: a 32-bit seeded generator of floats in [0, 1). Same seed, same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Convenience draws over a seeded generator. */
export class Random {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Picks by weight: `[[weight, value] …]`. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((sum, [w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [w, value] of items) {
      if ((r -= w) < 0) return value;
    }
    return items[items.length - 1]![1];
  }

  /** A string of `length` characters from `alphabet`. */
  string(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  /** A copy of `items` in random order. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

/** Strings that have broken parsers, encoders, renderers and key-value stores before. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\t\r\n',
  '0',
  '-1',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  'NaN',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  '{"__proto__":{"polluted":true}}',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  'https://evil.example/',
  '//evil.example/',
  '../../etc/passwd',
  "' OR '1'='1",
  '%',
  '%%',
  '%zz',
  '%00',
  '%2',
  '%C0%AF',
  '%E2%82',
  '%FF%FE',
  '%25%32%35',
  '+',
  '&',
  '=',
  '#',
  '?',
  '&state=injected',
  '#code=injected&state=injected',
  '\u0000',
  '\u202Eevil\u202C',
  '\u200B\uFEFF',
  '\uD800',
  '\uDFFF\uD800',
  'é',
  'e\u0301',
  '日本語',
  '🔑🦄',
  'ǅ',
  'ﬃ',
  '\\',
  '\\u0000',
  'A'.repeat(2048),
  'x'.repeat(9000),
];

/** A hostile value: from the list, random junk, a long run, or a mixture. */
export function hostileString(random: Random): string {
  return random.weighted<() => string>([
    [5, () => random.pick(HOSTILE_STRINGS)],
    [2, () => random.string(random.between(1, 64))],
    [1, () => random.string(random.between(1, 16), '%&=#?+;:/\\ "\'<>{}[]|^`\u0000\u00e9\u{1F511}')],
    [1, () => random.pick(['A', '%41', '🔑', '&']).repeat(random.between(500, 5000))],
    [1, () => random.pick(HOSTILE_STRINGS) + random.string(random.between(0, 8)) + random.pick(HOSTILE_STRINGS)],
  ])();
}

/** The seed to use: `?FUZZ_SEED=` on the test page's address, else `fallback`. Accepts decimal or 0x hex. */
export function fuzzSeed(fallback: number, search = location.search): number {
  const value = new URLSearchParams(search).get('FUZZ_SEED');
  const parsed = value === null ? NaN : Number(value);
  return Number.isInteger(parsed) ? parsed >>> 0 : fallback >>> 0;
}

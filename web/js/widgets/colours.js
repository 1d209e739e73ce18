// The page's colours for numbers with a sign, one convention everywhere (the inspector's heat
// maps, hidden layers, weights and the playground alike): orange above zero, blue below, white at
// zero. In the playground class 1 is the positive side, so it is orange and class 0 blue.

export const INK = [17, 24, 39];
export const PAPER = [255, 255, 255];
export const POSITIVE = [234, 88, 12];
export const NEGATIVE = [37, 99, 235];

/** The colour `t` (0-1) of the way from `from` to `to`, as [r, g, b]. */
export const mix = (from, to, t) => from.map((f, i) => Math.round(f + (to[i] - f) * t));

/** The colour of a value in [-1, 1]: orange above zero, blue below, white at zero; `strength`
 * (0-1) caps how far from white it goes, so that what is drawn on top stays visible. */
export function signedColour(value, strength = 1) {
  const v = Math.max(-1, Math.min(1, Number.isFinite(value) ? value : 0));
  return mix(PAPER, v < 0 ? NEGATIVE : POSITIVE, Math.abs(v) * strength);
}

/** signedColour at full strength. */
export const diverging = (v) => signedColour(v);

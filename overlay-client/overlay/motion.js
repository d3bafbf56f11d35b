// How amounts count up on screen: the duration, the easing, and the viewer's wish for less motion.

/** Pot and share counter tween duration. */
export const ANIM_MS = 800;

/** With reduced motion amounts show at once and nothing flies. */
export const reducedMotion = !!(window.matchMedia && matchMedia('(prefers-reduced-motion: reduce)').matches);

export const easeOut = (t) => 1 - Math.pow(1 - t, 3);

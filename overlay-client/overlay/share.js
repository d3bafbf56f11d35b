// A racer's own view (?racer=): their name and their share of the race, counted up.

import { parseMoney, rescale, validCurrency } from '../money.js';
import { el } from './dom.js';
import { featuredCurrency } from './goal.js';
import { ANIM_MS, easeOut, reducedMotion } from './motion.js';
import { formatMoney, opts } from './settings.js';

const NONE = () => ({ minor: 0n, d: 0, currency: null, shown: 0n });
let share = NONE();

/** A frame's `racer` (the page's racer: display name and share per currency). */
export function setShare(racer) {
  if (!opts.racer || !racer || typeof racer !== 'object') return;
  el.you.hidden = false;
  const name = typeof racer.display_name === 'string' ? racer.display_name.trim() : '';
  el.youName.textContent = name ? ' · ' + name : '';
  const amounts = racer.share && typeof racer.share === 'object' ? racer.share : {};
  const featured = featuredCurrency();
  const currency = featured && amounts[featured] !== undefined ? featured : Object.keys(amounts)[0] || featured;
  const value = currency ? parseMoney(amounts[currency] === undefined ? '0' : amounts[currency]) : null;
  const cur = validCurrency(currency);
  if (!value || !cur) {
    el.youShare.textContent = '—';
    return;
  }
  // Shown at once when first seen (a reload), counted up only on a change.
  const from = share.currency === cur ? rescale(share.shown, share.d, value.d) : value.minor;
  share = { minor: value.minor, d: value.d, currency: cur, shown: from };
  el.youShare.dataset.value = value.text;
  countShare(performance.now(), from);
}

/** Another lobby: no share until its first frame says one. */
export function clearShare() {
  el.you.hidden = true;
  share = NONE();
}

function countShare(start, from) {
  const target = share;
  const stepShare = (now) => {
    if (share !== target) return;
    const t = reducedMotion ? 1 : Math.min(1, (now - start) / ANIM_MS);
    target.shown = t >= 1 ? target.minor : from + BigInt(Math.round(Number(target.minor - from) * easeOut(t)));
    el.youShare.textContent = formatMoney(target.shown, target.d, target.currency);
    if (t < 1) requestAnimationFrame(stepShare);
  };
  stepShare(start);
  // A hidden source may not paint: settle anyway.
  setTimeout(() => stepShare(start + ANIM_MS), ANIM_MS + 250);
}

// A sale's celebration over the pot: the glow, the confetti, its pill and the chime.

import { parseMoney, validCurrency } from '../money.js';
import { el } from './dom.js';
import { queuePill } from './pills.js';
import { buyerName } from './sales.js';
import { formatMoney, opts, preview, t } from './settings.js';

/** Celebration length (kept under 2 s). */
const CELEBRATE_MS = 1800;
const CONFETTI_PIECES = 26;
const MAX_FX_NODES = 120;
const CONFETTI_COLORS = ['var(--accent)', '#ffd23f', '#ff5d8f', '#3ddc97', '#5ab0ff', '#ffffff'];

let glowTimer = 0;
let saleSound = null;

export function celebrate(sale) {
  const wrap = el.pot.parentElement;
  wrap.classList.remove('celebrate');
  void wrap.offsetWidth; // restart the CSS animation
  wrap.classList.add('celebrate');
  clearTimeout(glowTimer);
  glowTimer = setTimeout(() => wrap.classList.remove('celebrate'), CELEBRATE_MS);

  const nodes = [];
  for (let i = 0; i < CONFETTI_PIECES; i++) {
    const p = document.createElement('span');
    p.className = 'confetti' + (i % 3 === 0 ? ' round' : '');
    const angle = (Math.PI * 2 * i) / CONFETTI_PIECES + Math.random() * 0.5;
    const dist = 120 + Math.random() * 160;
    p.style.setProperty('--dx', Math.round(Math.cos(angle) * dist * 1.4) + 'px');
    p.style.setProperty('--dy', Math.round(Math.sin(angle) * dist * 0.7 - 40) + 'px');
    p.style.setProperty('--rot', Math.round(Math.random() * 720 - 360) + 'deg');
    p.style.setProperty('--delay', Math.round(Math.random() * 120) + 'ms');
    p.style.setProperty('--c', CONFETTI_COLORS[i % CONFETTI_COLORS.length]);
    nodes.push(p);
  }
  const delta = parseMoney(sale.pool_delta);
  const cur = validCurrency(sale.currency);
  if (delta && cur) {
    const amount = formatMoney(delta.minor < 0n ? -delta.minor : delta.minor, delta.d, cur);
    queuePill(t('sale.pop', { amount, who: buyerName(sale.buyer) }), sale.test === true ? 'pop test-pop' : 'pop');
  }
  for (const n of nodes) el.fx.appendChild(n);
  while (el.fx.childElementCount > MAX_FX_NODES) el.fx.firstElementChild.remove();
  setTimeout(() => { for (const n of nodes) n.remove(); }, CELEBRATE_MS + 200);
}

/** The sale sound, with ?sound=1 and never in the settings page's preview. */
export function playSound() {
  if (!opts.sound || preview) return;
  if (!saleSound) saleSound = new Audio('/overlay-assets/sale.wav');
  const play = saleSound.cloneNode();
  play.volume = opts.volume;
  const started = play.play();
  if (started && typeof started.catch === 'function') started.catch(() => { /* autoplay refused */ });
}

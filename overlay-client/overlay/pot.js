// The racers' pot: one row per currency, each counting up to its target amount.

import { minorToDecimal, parseMoney, rescale, validCurrency } from '../money.js';
import { el } from './dom.js';
import { ANIM_MS, easeOut, reducedMotion } from './motion.js';
import { formatMoney, t } from './settings.js';

/** currency -> { el, d, from, to, shown, start, animating, text } (minor units are BigInt) */
const pot = new Map();
let emptyEl = el.pot.querySelector('.pot-empty');
let rafId = 0;
let settleTimer = 0;

/** The amount a currency's row counts to, { to, d }, or undefined. */
export const potTarget = (currency) => pot.get(currency);

/** The pot's first currency, or null while it is empty. */
export function firstCurrency() {
  const first = pot.keys().next();
  return first.done ? null : first.value;
}

function ensureRow(currency) {
  let row = pot.get(currency);
  if (row) return row;
  const node = document.createElement('div');
  node.className = 'pot-row';
  node.id = 'pot-' + currency;
  node.dataset.currency = currency;
  el.pot.appendChild(node);
  row = { el: node, d: 0, from: 0n, to: 0n, shown: 0n, start: 0, animating: false, text: null };
  pot.set(currency, row);
  return row;
}

function setPotTarget(currency, value) {
  const cur = validCurrency(currency);
  const p = parseMoney(value);
  if (!cur || !p) return false;
  const isNew = !pot.has(cur);
  const row = ensureRow(cur);
  row.el.dataset.minor = p.minor.toString();
  row.el.dataset.value = p.text;
  if (!isNew && row.d === p.d && row.to === p.minor) {
    return true; // same target: keep whatever is running, never jump
  }
  if (row.d !== p.d) {
    row.shown = rescale(row.shown, row.d, p.d);
    row.d = p.d;
  }
  // With reduced motion the new amount shows at once, never counted up; a
  // currency first seen (a page just loaded) shows its amount at once too.
  if (reducedMotion || isNew) row.shown = p.minor;
  row.from = row.shown;
  row.to = p.minor;
  row.start = performance.now();
  row.animating = row.from !== row.to;
  sizeRow(cur, row);
  renderRow(cur, row);
  kick();
  return true;
}

function removeRow(currency) {
  const row = pot.get(currency);
  if (!row) return;
  row.el.remove();
  pot.delete(currency);
}

/** Replace the whole pot (snapshot, window_opened, window_closed). */
export function replacePot(obj) {
  const next = (obj && typeof obj === 'object' && !Array.isArray(obj)) ? obj : {};
  const keep = new Set();
  for (const [c, v] of Object.entries(next)) {
    const cur = validCurrency(c);
    if (cur && setPotTarget(cur, v)) keep.add(cur);
  }
  for (const c of [...pot.keys()]) if (!keep.has(c)) removeRow(c);
  potLayout();
}

/** Merge a partial/complete pot (sale, refund). */
export function mergePot(obj) {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return false;
  let any = false;
  for (const [c, v] of Object.entries(obj)) any = setPotTarget(c, v) || any;
  potLayout();
  return any;
}

/** Fallback when an event carries no pot: add the delta to the current target. */
export function bumpPot(currency, delta) {
  const cur = validCurrency(currency);
  const d = parseMoney(delta);
  if (!cur || !d) return;
  const row = pot.get(cur);
  const base = row ? row.to : 0n;
  const baseD = row ? row.d : d.d;
  const dd = Math.max(baseD, d.d);
  const sum = rescale(base, baseD, dd) + rescale(d.minor, d.d, dd);
  setPotTarget(cur, minorToDecimal(sum, dd));
  potLayout();
}

/** The rows' sizes for how many there are, and the empty pot's words when there are none. */
export function potLayout() {
  const n = pot.size;
  el.pot.dataset.count = String(n);
  if (n === 0) {
    if (!emptyEl) {
      emptyEl = document.createElement('div');
      emptyEl.className = 'pot-empty';
      emptyEl.textContent = t('pot.empty');
    }
    if (!emptyEl.isConnected) el.pot.appendChild(emptyEl);
  } else if (emptyEl && emptyEl.isConnected) {
    emptyEl.remove();
  }
  for (const [c, row] of pot) sizeRow(c, row);
}

/** Font size from the target's formatted length, so it does not wobble while counting. */
function sizeRow(currency, row) {
  const n = Math.max(1, pot.size);
  const base = n === 1 ? 112 : n === 2 ? 80 : 60;
  const len = formatMoney(row.to, row.d, currency).length;
  const fit = Math.min(1, 9 / Math.max(1, len));
  row.el.style.setProperty('--pot-size', Math.max(36, Math.round(base * Math.max(fit, 0.5))) + 'px');
}

function renderRow(currency, row) {
  const text = formatMoney(row.shown, row.d, currency);
  if (text !== row.text) {
    row.text = text;
    row.el.textContent = text;
  }
}

function step(now) {
  let busy = false;
  for (const [c, row] of pot) {
    if (!row.animating) continue;
    const t = reducedMotion ? 1 : Math.min(1, Math.max(0, (now - row.start) / ANIM_MS));
    const delta = row.to - row.from;
    if (t >= 1 || delta > BigInt(Number.MAX_SAFE_INTEGER) || -delta > BigInt(Number.MAX_SAFE_INTEGER)) {
      row.shown = row.to;
      row.animating = false;
    } else {
      row.shown = row.from + BigInt(Math.round(Number(delta) * easeOut(t)));
      busy = true;
    }
    renderRow(c, row);
  }
  return busy;
}

function tick(now) {
  rafId = 0;
  if (step(now)) rafId = requestAnimationFrame(tick);
}

function kick() {
  if (!rafId) rafId = requestAnimationFrame(tick);
  // If the page is not being painted (hidden source) rAF may stall: settle anyway.
  clearTimeout(settleTimer);
  settleTimer = setTimeout(() => step(performance.now() + ANIM_MS), ANIM_MS + 250);
}

// The pills over the pot ("+$2.00 from Peach", "Goal reached!"): one at a time, in order.

import { el } from './dom.js';
import { t } from './settings.js';

/** How long one pill stays (kept under 2 s). */
const PILL_MS = 1800;
const MAX_PILLS_WAITING = 6;

const pills = [];          // { text, className } waiting their turn
let pillShowing = false;
let shown = 0;

/** Pills shown since the page loaded. */
export const pillsShown = () => shown;

export function queuePill(text, className) {
  if (pills.length >= MAX_PILLS_WAITING) pills.shift();
  pills.push({ text, className });
  if (!pillShowing) nextPill();
}

function nextPill() {
  const next = pills.shift();
  if (!next) {
    pillShowing = false;
    return;
  }
  pillShowing = true;
  shown += 1;
  const pill = document.createElement('span');
  pill.className = next.className;
  if (next.className.includes('test-pop')) {
    const tag = document.createElement('span');
    tag.className = 'test-tag';
    tag.textContent = t('test.tag');
    pill.appendChild(tag);
    pill.appendChild(document.createTextNode(' '));
  }
  pill.appendChild(document.createTextNode(next.text));
  el.fx.appendChild(pill);
  setTimeout(() => {
    pill.remove();
    nextPill();
  }, PILL_MS);
}

// The goal bar (the URL's fixed goal or the host's /goal), its progress and its one celebration.

import { parseMoney, rescale, validCurrency } from '../money.js';
import { el } from './dom.js';
import { queuePill } from './pills.js';
import { firstCurrency, potTarget } from './pot.js';
import { formatMoney, opts, t } from './settings.js';

let serverGoal = null;   // { minor, d, currency } from /goal (snapshot, goal frame)
let goalReached = false; // the pot has reached the goal shown now
let goalCelebrations = 0;

/** Whether the pot has reached the goal shown now, and how often a sale got it there. */
export const goalState = () => ({ goalReached, goalCelebrations });

/** The goal shown: the URL's fixed goal (in ?currency or the pot's), else the host's. */
function shownGoal() {
  if (opts.goal) {
    const currency = opts.currency || featuredCurrency();
    const g = parseMoney(opts.goal);
    return currency && g ? { minor: g.minor, d: g.d, currency } : null;
  }
  return serverGoal;
}

/** The currency the goal and the racer's share use: ?currency, else the goal's, else the pot's first. */
export function featuredCurrency() {
  if (opts.currency) return opts.currency;
  if (serverGoal) return serverGoal.currency;
  return firstCurrency();
}

/** The host's goal from a snapshot or a goal frame (null: none). */
export function setServerGoal(goal, live) {
  const g = goal && typeof goal === 'object' ? parseMoney(goal.amount) : null;
  const currency = goal && validCurrency(goal.currency);
  serverGoal = g && currency ? { minor: g.minor, d: g.d, currency } : null;
  updateGoal(live);
}

/** Redraws the goal bar; `live` (a sale) may celebrate the goal, once. */
export function updateGoal(live) {
  const goal = shownGoal();
  if (!goal || goal.minor <= 0n) {
    el.goal.hidden = true;
    goalReached = false;
    return;
  }
  const row = potTarget(goal.currency);
  const d = Math.max(goal.d, row ? row.d : 0);
  const have = row ? rescale(row.to, row.d, d) : 0n;
  const want = rescale(goal.minor, goal.d, d);
  const permille = have <= 0n ? 0 : have >= want ? 1000 : Number((have * 1000n) / want);
  el.goal.hidden = false;
  el.goalFill.style.width = (permille / 10) + '%';
  el.goal.dataset.permille = String(permille);
  el.goalProgress.textContent = formatMoney(have, d, goal.currency) + ' / ' + formatMoney(want, d, goal.currency);
  const reached = have >= want;
  if (reached && !goalReached && live) {
    goalCelebrations += 1;
    celebrateGoal();
  }
  goalReached = reached;
  el.goal.dataset.reached = reached ? 'true' : 'false';
}

function celebrateGoal() {
  el.goal.classList.remove('goal-hit');
  void el.goal.offsetWidth; // restart the CSS animation
  el.goal.classList.add('goal-hit');
  queuePill(t('goal.reached'), 'pop goal-pop');
}

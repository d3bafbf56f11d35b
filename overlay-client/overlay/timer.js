// The race timer: time since the race started on the server's clock, frozen when it ends.

import { el } from './dom.js';
import { opts } from './settings.js';

let timerFrom = null;      // race start (ms, server clock)
let timerTo = null;        // race end, once over (ms, server clock)
let clockOffset = 0;       // server clock minus this page's clock (ms)
let timerInterval = 0;

/** When the race shown started (ms, server clock), or null. */
export const raceStart = () => timerFrom;

/** Starts, stops or hides the timer; `serverTime` (a snapshot's) sets the clock offset. */
export function setTimer(openedAt, closedAt, serverTime) {
  const server = typeof serverTime === 'string' ? Date.parse(serverTime) : NaN;
  if (Number.isFinite(server)) clockOffset = server - Date.now();
  const from = typeof openedAt === 'string' ? Date.parse(openedAt) : (typeof openedAt === 'number' ? openedAt : NaN);
  const to = typeof closedAt === 'string' ? Date.parse(closedAt) : NaN;
  timerFrom = Number.isFinite(from) ? from : null;
  timerTo = Number.isFinite(to) ? to : null;
  clearInterval(timerInterval);
  timerInterval = 0;
  if (!opts.timer || timerFrom === null) {
    el.timer.hidden = true;
    return;
  }
  el.timer.hidden = false;
  renderTimer();
  if (timerTo === null) timerInterval = setInterval(renderTimer, 1000);
}

function renderTimer() {
  const end = timerTo !== null ? timerTo : Date.now() + clockOffset;
  const total = Math.max(0, Math.floor((end - timerFrom) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  el.timer.textContent = h > 0 ? h + ':' + String(m).padStart(2, '0') + ':' + sec : m + ':' + sec;
}

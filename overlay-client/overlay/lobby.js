// The lobby's heading (name, code, race state) and whether the page shows anything at all.

import { setLobbyCode } from './address.js';
import { body, el } from './dom.js';
import { opts, preview, t } from './settings.js';

/** A race that ends stays on stream this long. */
const CLOSED_SHOWN_MS = 60000;
const STATES = {
  idle: { badge: 'state.idle', label: 'pot.label' },
  open: { badge: 'state.open', label: 'pot.label' },
  closed: { badge: 'state.closed', label: 'pot.final' },
};

let closedTimer = 0;

export function setState(state) {
  const s = Object.prototype.hasOwnProperty.call(STATES, state) ? state : 'idle';
  el.state.dataset.state = s;
  body.dataset.state = s;
  el.stateText.textContent = t(STATES[s].badge);
  el.potLabel.textContent = t(STATES[s].label);
}

/**
 * Nothing on stream (a transparent page) until there is a lobby to show: an
 * unknown or mistyped code, a host or channel with no lobby yet, a lobby whose
 * race ended more than a minute ago. The settings page's preview always shows.
 */
export function setWaiting(waiting) {
  body.dataset.waiting = waiting && !preview ? '1' : '0';
}

export const waiting = () => body.dataset.waiting === '1';

/** Shows the page for a lobby in `state`; a race that ends live stays a minute. */
export function showFor(state, live) {
  clearTimeout(closedTimer);
  if (state !== 'closed') {
    setWaiting(false);
  } else if (live) {
    setWaiting(false);
    closedTimer = setTimeout(() => setWaiting(true), CLOSED_SHOWN_MS);
  } else {
    setWaiting(true);
  }
}

/** The snapshot's lobby: its name (unless ?title), code and state. */
export function setLobby(lobbyInfo) {
  if (!lobbyInfo || typeof lobbyInfo !== 'object') return;
  const name = opts.title || (typeof lobbyInfo.name === 'string' ? lobbyInfo.name.trim() : '');
  if (name) {
    el.name.textContent = name;
    document.title = name + ' — Cozy-Kart';
  }
  if (typeof lobbyInfo.code === 'string') {
    setLobbyCode(lobbyInfo.code);
    el.code.textContent = lobbyInfo.code;
  }
  else if (typeof lobbyInfo.id === 'number') el.code.textContent = String(lobbyInfo.id);
  setState(lobbyInfo.state);
}

/** The code in the heading; `—` while a host or channel has no lobby. */
export function showCode(code) {
  el.code.textContent = code;
}

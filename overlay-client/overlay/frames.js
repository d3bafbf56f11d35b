// What each frame does to the page: a snapshot redraws it, an event changes its part.

import { parseMoney } from '../money.js';
import { setLobbyCode } from './address.js';
import { celebrate, playSound } from './celebrate.js';
import { setCheckout } from './checkout.js';
import { setServerGoal, updateGoal } from './goal.js';
import { setLobby, setState, setWaiting, showCode, showFor } from './lobby.js';
import { bumpPot, mergePot, replacePot } from './pot.js';
import { setRacers } from './racers.js';
import { addSale, setSales, updateSale } from './sales.js';
import { clearShare } from './share.js';
import { raceStart, setTimer } from './timer.js';

let changes = 0;

/** How often a host's or channel's socket moved the page to another lobby. */
export const lobbyChanges = () => changes;

/** A snapshot: the lobby as it is now, on every (re)connection. */
export function applySnapshot(f) {
  setLobby(f.lobby);
  setRacers(f.racers);
  replacePot(f.pot);
  setSales(f.recent_sales);
  setCheckout(f.checkout_url, f.kofi_tag);
  setServerGoal(f.goal, false);
  const state = f.lobby && f.lobby.state;
  setTimer(state === 'open' ? f.opened_at : null, null, f.server_time);
  showFor(state, false);
}

/** One sequenced event, in order. */
export function applyEvent(f) {
  switch (f.type) {
    case 'window_opened':
      setState('open');
      showFor('open', true);
      replacePot({});
      setSales([]);
      setTimer(f.opened_at, null, null);
      updateGoal(false);
      break;
    case 'window_closed':
      setState('closed');
      showFor('closed', true);
      if (f.totals && typeof f.totals === 'object') replacePot(f.totals);
      setTimer(raceStart(), f.closed_at, null);
      updateGoal(false);
      break;
    case 'goal':
      setServerGoal(f.goal, false);
      break;
    case 'roster':
      setRacers(f.racers);
      break;
    case 'sale_updated':
      updateSale(f);
      break;
    case 'sale': {
      if (f.test === true) {
        // A test alert (/overlay test): played like a sale, never counted.
        celebrate(f);
        playSound();
        break;
      }
      if (!mergePot(f.pot)) bumpPot(f.currency, f.pool_delta);
      addSale(f);
      const d = parseMoney(f.pool_delta);
      if (!d || d.minor >= 0n) {
        celebrate(f);
        playSound();
      }
      updateGoal(true);
      break;
    }
    case 'refund':
      if (!mergePot(f.pot)) bumpPot(f.currency, f.pool_delta);
      updateGoal(false);
      break;
    default:
      break;
  }
}

/**
 * The host or channel moved to another lobby (or has none yet): start afresh.
 * Returns whether a lobby follows (its snapshot comes next).
 */
export function changeLobby(code) {
  changes += 1;
  replacePot({});
  setSales([]);
  setRacers([]);
  setServerGoal(null, false);
  setTimer(null, null, null);
  setState('idle');
  clearShare();
  if (typeof code === 'string' && code) {
    setLobbyCode(code);
    showCode(code);
    return true;
  }
  // Nothing to show until the host or channel creates a lobby; no snapshot comes.
  setWaiting(true);
  setLobbyCode('');
  showCode('—');
  return false;
}

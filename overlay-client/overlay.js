/* Cozy-Kart stream overlay: the entry module, which only wires the others.
 *
 * Served at /overlay/{lobby}, /overlay/host/{discord_id} and
 * /overlay/channel/{channel_id}; connects to ws(s)://<host>/ws/lobbies/{lobby}
 * (or /ws/hosts/{id}, /ws/channels/{id}, which move to the next lobby by
 * themselves) and renders the live racer prize pool. Options come from the URL
 * through options.js. With ?preview=1 (the settings page) it takes frames from
 * its parent page instead of a socket. Plain ES2020 modules (overlay/), no
 * dependencies. Every server-provided string is written with textContent /
 * attributes, never parsed as HTML.
 */
import { lobbyCode, wsUrl } from './overlay/address.js';
import { watchQr } from './overlay/checkout.js';
import { applyEvent, applySnapshot, changeLobby, lobbyChanges } from './overlay/frames.js';
import { goalState } from './overlay/goal.js';
import { setState, setWaiting, showCode, waiting } from './overlay/lobby.js';
import { pillsShown } from './overlay/pills.js';
import { potLayout } from './overlay/pot.js';
import { setShare } from './overlay/share.js';
import { applyLook, lang, opts, preview } from './overlay/settings.js';
import { openStream } from './overlay/socket.js';

applyLook();
watchQr();

const stream = openStream(wsUrl, {
  snapshot: applySnapshot,
  event: applyEvent,
  racer: setShare,
  changeLobby,
});

/** Inject one frame (object or JSON string) exactly as if it came off the socket. */
window.__overlayApply = (frame) => stream.handleFrame(frame, 'test');
/** Read-only view of the client's bookkeeping, for tests. */
window.__overlayState = () => {
  const { lastSeq, synced, connected, backoffAttempt } = stream.state();
  const { goalReached, goalCelebrations } = goalState();
  const { theme, position, accent, scale } = opts;
  return {
    lobby: lobbyCode(), wsUrl, lastSeq, synced, connected, backoffAttempt,
    theme, position, accent, scale, options: opts, preview,
    goalReached, goalCelebrations, lobbyChanges: lobbyChanges(), pillsShown: pillsShown(), lang,
    waiting: waiting(),
  };
};

// The settings page feeds its preview with sample frames from the same origin.
if (preview) {
  window.addEventListener('message', (ev) => {
    if (ev.origin !== location.origin || !ev.data || typeof ev.data !== 'object') return;
    if (ev.data.cozyOverlayFrame) stream.handleFrame(ev.data.cozyOverlayFrame, 'test');
  });
}

setState('idle');
setWaiting(true);
stream.setConnected(preview);
if (lobbyCode()) showCode(lobbyCode());
potLayout();
stream.connect();

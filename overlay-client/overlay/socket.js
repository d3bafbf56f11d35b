// The lobby's socket: frames in seq order (a gap fetches a fresh snapshot), reconnecting with back-off.

import { body, el } from './dom.js';
import { t } from './settings.js';

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10000;
/** An open socket must deliver a snapshot by then. */
const SNAPSHOT_TIMEOUT_MS = 10000;
const KNOWN_TYPES = new Set(['snapshot', 'window_opened', 'window_closed', 'roster', 'sale', 'sale_updated', 'refund', 'goal']);

/**
 * The stream of frames from `url` (null: none, as in the preview) to `page`:
 * { snapshot(frame), event(frame), racer(racer), changeLobby(code) -> whether a
 * snapshot follows }. Nothing connects until connect().
 */
export function openStream(url, page) {
  let lastSeq = null;
  let synced = false;     // a snapshot has been applied on the current stream
  let connected = false;
  let ws = null;
  let backoffAttempt = 0;
  let reconnectTimer = 0;
  let snapshotTimer = 0;

  function setSeq(seq) {
    lastSeq = seq;
    body.dataset.seq = String(seq === null ? '' : seq);
  }

  /**
   * Validate and apply one frame. Returns 'applied', 'ignored' or 'resync'.
   * source: 'socket' for live frames, 'test' for the injection hook.
   */
  function handleFrame(frame, source) {
    if (typeof frame === 'string') {
      try { frame = JSON.parse(frame); } catch (_) { return 'ignored'; }
    }
    if (!frame || typeof frame !== 'object' || Array.isArray(frame)) return 'ignored';
    const { type, seq } = frame;
    const seqOk = Number.isSafeInteger(seq);

    if (type === 'lobby_changed') {
      synced = false;
      setSeq(null);
      if (!page.changeLobby(frame.code)) {
        clearTimeout(snapshotTimer);
        setConnected(true);
      }
      return 'applied';
    }

    if (type === 'snapshot') {
      if (!seqOk) return 'ignored';
      try {
        page.snapshot(frame);
      } catch (err) {
        console.error('overlay: bad snapshot', err);
        return 'ignored';
      }
      setSeq(seq);
      synced = true;
      page.racer(frame.racer);
      if (source === 'socket') {
        backoffAttempt = 0;
        clearTimeout(snapshotTimer);
        setConnected(true);
      }
      return 'applied';
    }

    if (!synced) return 'ignored';                  // wait for a snapshot first
    if (!seqOk) {
      if (!KNOWN_TYPES.has(type)) return 'ignored';  // unknown, unsequenced: harmless
      resync('event without seq');
      return 'resync';
    }
    if (seq !== lastSeq + 1) {
      resync('seq gap: expected ' + (lastSeq + 1) + ', got ' + seq);
      return 'resync';
    }
    setSeq(seq);                                     // unknown sequenced events still consume a seq
    if (!KNOWN_TYPES.has(type)) return 'ignored';
    try {
      page.event(frame);
      page.racer(frame.racer);
    } catch (err) {
      console.error('overlay: failed to apply ' + type, err);
      resync('apply failed');
      return 'resync';
    }
    return 'applied';
  }

  function setConnected(v) {
    connected = v;
    el.conn.dataset.connected = v ? 'true' : 'false';
    el.conn.title = v ? t('conn.live') : t('conn.reconnecting');
  }

  function nextDelay() {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, backoffAttempt));
    backoffAttempt = Math.min(backoffAttempt + 1, 16);
    const jittered = base * (0.75 + Math.random() * 0.5); // ±25 %
    return Math.round(Math.min(BACKOFF_MAX_MS, Math.max(100, jittered)));
  }

  function scheduleReconnect() {
    if (reconnectTimer || !url) return;
    reconnectTimer = setTimeout(connect, nextDelay());
  }

  function dropSocket(code, reason) {
    const s = ws;
    ws = null;
    clearTimeout(snapshotTimer);
    if (s) {
      s.onopen = s.onmessage = s.onclose = s.onerror = null;
      try { s.close(code, reason); } catch (_) { /* already closing */ }
    }
  }

  /** Throw away the stream and fetch a fresh snapshot. Displayed values stay. */
  function resync(reason) {
    console.warn('overlay: resync (' + reason + ')');
    synced = false;
    setConnected(false);
    dropSocket(4000, 'resync');
    scheduleReconnect();
  }

  function connect() {
    reconnectTimer = 0;
    if (!url) return;
    dropSocket(1000, 'reconnect');
    let sock;
    try {
      sock = new WebSocket(url);
    } catch (err) {
      console.error('overlay: websocket failed', err);
      scheduleReconnect();
      return;
    }
    ws = sock;
    sock.onopen = () => {
      if (ws !== sock) return;
      synced = false; // every connection starts with a snapshot
      clearTimeout(snapshotTimer);
      snapshotTimer = setTimeout(() => { if (ws === sock && !synced) resync('no snapshot'); }, SNAPSHOT_TIMEOUT_MS);
    };
    sock.onmessage = (ev) => {
      if (ws !== sock || typeof ev.data !== 'string') return;
      handleFrame(ev.data, 'socket');
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      ws = null;
      clearTimeout(snapshotTimer);
      setConnected(false);
      scheduleReconnect();
    };
    sock.onerror = () => { /* a close event follows */ };
  }

  /** The stream's bookkeeping, for the page's test hook. */
  const state = () => ({ lastSeq, synced, connected, backoffAttempt });

  return { handleFrame, connect, setConnected, state };
}

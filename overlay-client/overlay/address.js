// Which lobby the page shows (from its path) and the addresses of its socket and QR code.

import { opts, preview } from './settings.js';

const segments = location.pathname.split('/').filter(Boolean).map((part) => {
  try { return decodeURIComponent(part); } catch (_) { return part; }
});
const follows = segments.length >= 3 && (segments[1] === 'host' || segments[1] === 'channel')
  ? segments[1] : null;
let lobby = follows ? '' : (segments.length ? segments[segments.length - 1] : '');
const socketPath = follows
  ? '/ws/' + follows + 's/' + encodeURIComponent(segments[2])
  : '/ws/lobbies/' + encodeURIComponent(lobby);

/** The socket's URL; null in the preview or off a web server. */
export const wsUrl = (!preview && (lobby || follows) && location.host && /^https?:$/.test(location.protocol))
  ? (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + socketPath
    + (opts.racer ? '?racer=' + encodeURIComponent(opts.racer) : '')
  : null;

/** The lobby's code shown now ('' while a host or channel has none). */
export const lobbyCode = () => lobby;

/** A host's or channel's socket moved to another lobby, or a snapshot named it. */
export function setLobbyCode(code) {
  lobby = code;
}

export const qrPath = () => '/overlay/' + encodeURIComponent(lobby) + '/qr.svg';

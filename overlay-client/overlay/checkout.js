// The call to action: the lobby's checkout link, its QR code and the Ko-fi hint.

import { qrPath } from './address.js';
import { el } from './dom.js';

function hashString(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(36);
}

/** URL as text with the scheme tucked away and soft breaks after / ? & (textContent stays the URL). */
function renderLink(url) {
  const nodes = [];
  const m = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  let rest = url;
  if (m) {
    const scheme = document.createElement('span');
    scheme.className = 'scheme';
    scheme.textContent = m[0];
    nodes.push(scheme);
    rest = url.slice(m[0].length);
  }
  for (const part of rest.split(/(?<=[/?&])/)) {
    if (nodes.length && part) nodes.push(document.createElement('wbr'));
    nodes.push(document.createTextNode(part));
  }
  el.link.replaceChildren(...nodes);
}

/** The snapshot's checkout link (or none) and Ko-fi tag (or none). */
export function setCheckout(url, kofiTag) {
  const tag = typeof kofiTag === 'string' && kofiTag.trim() ? kofiTag.trim() : null;
  el.kofiHint.hidden = !tag;
  el.kofiTag.textContent = tag || '';
  if (typeof url === 'string' && url.trim()) {
    if (el.link.textContent !== url) renderLink(url);
    const src = qrPath() + '?v=' + hashString(url);
    if (el.qr.getAttribute('src') !== src) {
      showQr(true);
      el.qr.setAttribute('src', src);
    }
    el.cta.hidden = false;
  } else {
    el.cta.hidden = !tag;
    el.link.textContent = '';
    showQr(false);
    el.qr.removeAttribute('src');
  }
}

function showQr(v) {
  el.qr.hidden = !v;
  el.qrFrame.hidden = !v;
}

/** A QR code that fails to load takes its frame with it. */
export function watchQr() {
  el.qr.addEventListener('error', () => showQr(false));
  el.qr.addEventListener('load', () => showQr(true));
}

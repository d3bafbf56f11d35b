/* Cozy-Kart overlay settings page (an ES module), served at /overlay/{code}/setup.
 *
 * Builds a form from options.js (the same list the overlay reads), shows the real
 * overlay in an iframe fed with sample frames, and writes the finished OBS URL.
 * Nothing is fetched from outside; the sample data never reaches the server.
 */
import { translator } from './i18n.js';
import { minorToDecimal } from './money.js';
import { FIELDS, LOCALES, toQuery } from './options.js';

const SAMPLE_EVERY_MS = 4000;
const RELOAD_AFTER_MS = 250;
const words = translator(new URLSearchParams(location.search).get('locale') || navigator.language);
const t = words.t;
words.apply(document);

const $ = (id) => document.getElementById(id);
const segments = location.pathname.split('/').filter(Boolean);
const code = decodeURIComponent(segments[1] || '');
const form = $('form');
const fields = $('fields');
const source = $('source');
const sourceId = $('source-id');
const preview = $('preview');
const out = $('obs-url');

// ------------------------------------------------------------------ form

for (const field of FIELDS) {
  const id = 'opt-' + field.name;
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = t('field.' + field.name);
  let input;
  if (field.kind === 'enum' || field.kind === 'locale') {
    input = document.createElement('select');
    const values = field.kind === 'locale' ? LOCALES : field.values;
    for (const value of values) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = value || t('setup.viewer');
      input.appendChild(option);
    }
    input.value = field.def;
  } else if (field.kind === 'bool') {
    input = document.createElement('input');
    input.type = 'checkbox';
    input.checked = field.def;
    label.className = 'check';
  } else {
    input = document.createElement('input');
    input.value = field.def === '' ? '' : String(field.def);
    if (field.kind === 'number') {
      input.type = 'number';
      input.min = String(field.min);
      input.max = String(field.max);
      input.step = '0.05';
    }
  }
  input.id = id;
  input.name = field.name;
  if (field.kind === 'bool') {
    label.prepend(input);
    fields.appendChild(label);
  } else {
    fields.appendChild(label);
    fields.appendChild(input);
  }
}

/** The options as the form holds them now. */
function formOptions() {
  const options = {};
  for (const field of FIELDS) {
    const input = $('opt-' + field.name);
    options[field.name] = field.kind === 'bool' ? input.checked : input.value;
  }
  return options;
}

/** The overlay path the URL points at: this lobby, or a host or channel. */
function overlayPath() {
  const id = sourceId.value.trim();
  if (source.value !== 'lobby' && /^\d{1,20}$/.test(id)) {
    return '/overlay/' + source.value + '/' + id;
  }
  return '/overlay/' + encodeURIComponent(code);
}

// --------------------------------------------------------------- preview

let reloadTimer = 0;
let sampleTimer = 0;
let seq = 0;
let potMinor = 450;
let shareMinor = 225;

function update() {
  const following = source.value !== 'lobby';
  sourceId.hidden = !following;
  $('source-id-label').hidden = !following;
  const options = formOptions();
  const query = toQuery(options);
  out.value = location.origin + overlayPath() + query;
  const src = '/overlay/' + encodeURIComponent(code) + (query ? query + '&' : '?') + 'preview=1';
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => {
    if (preview.getAttribute('src') !== src) preview.setAttribute('src', src);
  }, RELOAD_AFTER_MS);
}

/** Sample amounts in minor units, written as the server writes them. */
function money(minor, currency) {
  const d = currency === 'JPY' || currency === 'KRW' ? 0 : 2;
  return minorToDecimal(BigInt(minor), d);
}

function send(frame) {
  if (preview.contentWindow) preview.contentWindow.postMessage({ cozyOverlayFrame: frame }, location.origin);
}

/**
 * What the lobby has, read from its own snapshot once (the checkout link, a
 * Ko-fi shop, a goal), so that the preview shows only those; nothing else is
 * sent to or kept from the socket.
 */
let has = { checkout_url: null, kofi_tag: null, goal: null };
function readLobby() {
  if (!/^https?:$/.test(location.protocol)) return;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  let socket;
  try {
    socket = new WebSocket(scheme + '//' + location.host + '/ws/lobbies/' + encodeURIComponent(code));
  } catch (_) {
    return;
  }
  socket.onmessage = (ev) => {
    let frame = null;
    try { frame = JSON.parse(ev.data); } catch (_) { /* not a frame */ }
    if (frame && frame.type === 'snapshot') {
      has = {
        checkout_url: typeof frame.checkout_url === 'string' ? frame.checkout_url : null,
        kofi_tag: typeof frame.kofi_tag === 'string' ? frame.kofi_tag : null,
        goal: frame.goal && typeof frame.goal === 'object' ? frame.goal : null,
      };
      lobbyRead = true;
      socket.close();
      feed();
    }
  };
}
let lobbyRead = false;

/** A sample race: a snapshot, then a sale every few seconds. */
function feed() {
  const options = formOptions();
  const currency = /^[A-Za-z]{3}$/.test(options.currency) ? options.currency.toUpperCase() : 'USD';
  seq = 0;
  potMinor = 450;
  shareMinor = 225;
  const now = new Date();
  send({
    type: 'snapshot', seq,
    lobby: { id: 0, code, name: 'Sample Cup', state: 'open' },
    racers: [{ display_name: 'Mario' }, { display_name: 'Luigi' }],
    pot: { [currency]: money(potMinor, currency) },
    recent_sales: [{ amount: money(2250, currency), currency, pool_delta: money(450, currency), buyer: 'Peach', at: now.toISOString() }],
    checkout_url: has.checkout_url,
    goal: has.goal ? { amount: money(2000, currency), currency } : null,
    opened_at: new Date(now.getTime() - 5 * 60 * 1000).toISOString(),
    server_time: now.toISOString(),
    kofi_tag: has.kofi_tag,
    racer: { display_name: 'Mario', share: { [currency]: money(shareMinor, currency) } },
  });
  clearInterval(sampleTimer);
  sampleTimer = setInterval(() => {
    seq += 1;
    potMinor += 200;
    shareMinor += 100;
    send({
      type: 'sale', seq, amount: money(1000, currency), currency,
      pool_delta: money(200, currency), pot: { [currency]: money(potMinor, currency) },
      buyer: seq % 2 ? 'someone' : 'Toad', sale_id: seq,
      racer: { display_name: 'Mario', share: { [currency]: money(shareMinor, currency) } },
    });
  }, SAMPLE_EVERY_MS);
}

/** "Send a test sale": the preview plays a test alert, as /overlay test does. */
function testSale() {
  const options = formOptions();
  const currency = /^[A-Za-z]{3}$/.test(options.currency) ? options.currency.toUpperCase() : 'USD';
  seq += 1;
  send({
    type: 'sale', seq, test: true, amount: money(1000, currency), currency,
    pool_delta: money(200, currency), pot: { [currency]: money(potMinor, currency) }, buyer: 'Test',
  });
  testsSent += 1;
}
let testsSent = 0;

preview.addEventListener('load', feed);
$('test-sale').addEventListener('click', testSale);
form.addEventListener('input', update);
form.addEventListener('change', update);
$('copy').addEventListener('click', () => {
  out.select();
  if (navigator.clipboard) navigator.clipboard.writeText(out.value).catch(() => { /* selected anyway */ });
  $('copy').textContent = t('setup.copied');
});

window.__setupState = () => ({
  url: out.value, previewSrc: preview.getAttribute('src'), options: formOptions(),
  lobbyRead, has, testsSent, lang: words.lang,
});
update();
readLobby();

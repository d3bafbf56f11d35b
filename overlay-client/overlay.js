/* Cozy-Kart stream overlay.
 *
 * Served at /overlay/{lobby}; connects to ws(s)://<host>/ws/lobbies/{lobby}
 * and renders the live racer prize pool. Plain ES2020, no dependencies.
 * Every server-provided string is written with textContent / attributes,
 * never parsed as HTML.
 */
(() => {
  'use strict';

  const ANIM_MS = 800;             // pot counter tween duration
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 10000;
  const SNAPSHOT_TIMEOUT_MS = 10000; // an open socket must deliver a snapshot by then
  const MAX_SALES = 5;
  const MAX_RACERS_SHOWN = 12;
  const CELEBRATE_MS = 1800;       // celebration length (kept under 2 s)
  const CONFETTI_PIECES = 26;
  const MAX_FX_NODES = 120;

  const KNOWN_TYPES = new Set(['snapshot', 'window_opened', 'window_closed', 'roster', 'sale', 'refund']);
  const STATES = {
    idle: { badge: 'WAITING FOR START', label: "Racers' prize pool" },
    open: { badge: 'RACE LIVE', label: "Racers' prize pool" },
    closed: { badge: 'RACE OVER', label: 'Final prize pool' },
  };

  const $ = (id) => document.getElementById(id);
  const body = document.body;
  const el = {
    panel: $('panel'),
    name: $('lobby-name'),
    code: $('lobby-code'),
    state: $('state'),
    stateText: $('state-text'),
    potLabel: $('pot-label'),
    pot: $('pot'),
    fx: $('fx'),
    racers: $('racers'),
    sales: $('sales'),
    conn: $('conn'),
    cta: $('cta'),
    qr: $('qr'),
    qrFrame: $('qr').parentElement,
    link: $('checkout-link'),
  };

  // ---------------------------------------------------------------- params

  const params = new URLSearchParams(location.search);

  function pickEnum(name, allowed, fallback) {
    const v = (params.get(name) || '').trim().toLowerCase();
    return allowed.includes(v) ? v : fallback;
  }

  const theme = pickEnum('theme', ['dark', 'light', 'neon'], 'dark');
  const position = pickEnum('position', ['bottom-left', 'bottom-right', 'top-left', 'top-right'], 'bottom-left');

  const accentRaw = (params.get('accent') || '').trim().replace(/^#/, '');
  const accent = /^(?:[0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(accentRaw) ? '#' + accentRaw : null;

  let scale = 1;
  if (params.has('scale')) {
    const raw = (params.get('scale') || '').trim();
    const n = raw === '' ? NaN : Number(raw);
    if (Number.isFinite(n) && n >= 0.25 && n <= 4) scale = n;
  }

  body.dataset.theme = theme;
  body.dataset.position = position;
  // Inline on <body> so it beats the per-theme defaults declared on body[data-theme].
  if (accent) body.style.setProperty('--accent', accent);
  body.style.setProperty('--scale', String(scale));

  // ----------------------------------------------------------------- lobby

  const segments = location.pathname.split('/').filter(Boolean);
  let lobby = segments.length ? segments[segments.length - 1] : '';
  try { lobby = decodeURIComponent(lobby); } catch (_) { /* keep raw */ }
  const lobbyPath = encodeURIComponent(lobby);
  const qrPath = '/overlay/' + lobbyPath + '/qr.svg';
  const wsUrl = (lobby && location.host && /^https?:$/.test(location.protocol))
    ? (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/ws/lobbies/' + lobbyPath
    : null;

  // ----------------------------------------------------------------- money

  const MONEY_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

  /** "12.50" -> { minor: 1250n, d: 2, text: "12.50" }; null when not a decimal string. */
  function parseMoney(value) {
    if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
    if (typeof value !== 'string') return null;
    const text = value.trim();
    const m = MONEY_RE.exec(text);
    if (!m) return null;
    const frac = m[3] || '';
    let minor = BigInt(m[2] + frac);
    if (m[1] === '-') minor = -minor;
    return { minor, d: frac.length, text };
  }

  /** Integer minor units back to an exact decimal string with d decimals. */
  function minorToDecimal(minor, d) {
    const neg = minor < 0n;
    let s = (neg ? -minor : minor).toString();
    if (d > 0) {
      s = s.padStart(d + 1, '0');
      s = s.slice(0, s.length - d) + '.' + s.slice(s.length - d);
    }
    return (neg ? '-' : '') + s;
  }

  function rescale(minor, fromD, toD) {
    if (toD === fromD) return minor;
    if (toD > fromD) return minor * 10n ** BigInt(toD - fromD);
    return minor / 10n ** BigInt(fromD - toD);
  }

  const formatters = new Map();
  function formatMoney(minor, d, currency) {
    const dec = minorToDecimal(minor, d);
    const key = currency + '|' + d;
    let fmt = formatters.get(key);
    if (fmt === undefined) {
      try {
        fmt = new Intl.NumberFormat(undefined, {
          style: 'currency', currency, minimumFractionDigits: d, maximumFractionDigits: d,
        });
      } catch (_) {
        fmt = null;
      }
      formatters.set(key, fmt);
    }
    if (fmt) {
      try { return fmt.format(dec); } catch (_) { /* fall through */ }
    }
    return currency + ' ' + dec;
  }

  function validCurrency(c) {
    return typeof c === 'string' && /^[A-Za-z0-9_-]{1,16}$/.test(c.trim()) ? c.trim() : null;
  }

  // ------------------------------------------------------------------- pot

  /** currency -> { el, d, from, to, shown, start, animating, text } (minor units are BigInt) */
  const pot = new Map();
  let emptyEl = el.pot.querySelector('.pot-empty');
  let rafId = 0;
  let settleTimer = 0;

  function ensureRow(currency) {
    let row = pot.get(currency);
    if (row) return row;
    const node = document.createElement('div');
    node.className = 'pot-row';
    node.id = 'pot-' + currency;
    node.dataset.currency = currency;
    el.pot.appendChild(node);
    row = { el: node, d: 0, from: 0n, to: 0n, shown: 0n, start: 0, animating: false, text: null };
    pot.set(currency, row);
    return row;
  }

  function setPotTarget(currency, value) {
    const cur = validCurrency(currency);
    const p = parseMoney(value);
    if (!cur || !p) return false;
    const isNew = !pot.has(cur);
    const row = ensureRow(cur);
    row.el.dataset.minor = p.minor.toString();
    row.el.dataset.value = p.text;
    if (!isNew && row.d === p.d && row.to === p.minor) {
      return true; // same target: keep whatever is running, never jump
    }
    if (row.d !== p.d) {
      row.shown = rescale(row.shown, row.d, p.d);
      row.d = p.d;
    }
    row.from = row.shown;
    row.to = p.minor;
    row.start = performance.now();
    row.animating = row.from !== row.to;
    sizeRow(cur, row);
    renderRow(cur, row);
    kick();
    return true;
  }

  function removeRow(currency) {
    const row = pot.get(currency);
    if (!row) return;
    row.el.remove();
    pot.delete(currency);
  }

  /** Replace the whole pot (snapshot, window_opened, window_closed). */
  function replacePot(obj) {
    const next = (obj && typeof obj === 'object' && !Array.isArray(obj)) ? obj : {};
    const keep = new Set();
    for (const [c, v] of Object.entries(next)) {
      const cur = validCurrency(c);
      if (cur && setPotTarget(cur, v)) keep.add(cur);
    }
    for (const c of [...pot.keys()]) if (!keep.has(c)) removeRow(c);
    potLayout();
  }

  /** Merge a partial/complete pot (sale, refund). */
  function mergePot(obj) {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return false;
    let any = false;
    for (const [c, v] of Object.entries(obj)) any = setPotTarget(c, v) || any;
    potLayout();
    return any;
  }

  function potLayout() {
    const n = pot.size;
    el.pot.dataset.count = String(n);
    if (n === 0) {
      if (!emptyEl) {
        emptyEl = document.createElement('div');
        emptyEl.className = 'pot-empty';
        emptyEl.textContent = 'Pot opens with the first sale';
      }
      if (!emptyEl.isConnected) el.pot.appendChild(emptyEl);
    } else if (emptyEl && emptyEl.isConnected) {
      emptyEl.remove();
    }
    for (const [c, row] of pot) sizeRow(c, row);
  }

  /** Font size from the target's formatted length, so it does not wobble while counting. */
  function sizeRow(currency, row) {
    const n = Math.max(1, pot.size);
    const base = n === 1 ? 112 : n === 2 ? 80 : 60;
    const len = formatMoney(row.to, row.d, currency).length;
    const fit = Math.min(1, 9 / Math.max(1, len));
    row.el.style.setProperty('--pot-size', Math.max(36, Math.round(base * Math.max(fit, 0.5))) + 'px');
  }

  function renderRow(currency, row) {
    const text = formatMoney(row.shown, row.d, currency);
    if (text !== row.text) {
      row.text = text;
      row.el.textContent = text;
    }
  }

  const easeOut = (t) => 1 - Math.pow(1 - t, 3);

  function step(now) {
    let busy = false;
    for (const [c, row] of pot) {
      if (!row.animating) continue;
      const t = Math.min(1, Math.max(0, (now - row.start) / ANIM_MS));
      const delta = row.to - row.from;
      if (t >= 1 || delta > BigInt(Number.MAX_SAFE_INTEGER) || -delta > BigInt(Number.MAX_SAFE_INTEGER)) {
        row.shown = row.to;
        row.animating = false;
      } else {
        row.shown = row.from + BigInt(Math.round(Number(delta) * easeOut(t)));
        busy = true;
      }
      renderRow(c, row);
    }
    return busy;
  }

  function tick(now) {
    rafId = 0;
    if (step(now)) rafId = requestAnimationFrame(tick);
  }

  function kick() {
    if (!rafId) rafId = requestAnimationFrame(tick);
    // If the page is not being painted (hidden source) rAF may stall: settle anyway.
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => step(performance.now() + ANIM_MS), ANIM_MS + 250);
  }

  // ------------------------------------------------------------ state etc.

  function setState(state) {
    const s = Object.prototype.hasOwnProperty.call(STATES, state) ? state : 'idle';
    el.state.dataset.state = s;
    body.dataset.state = s;
    el.stateText.textContent = STATES[s].badge;
    el.potLabel.textContent = STATES[s].label;
  }

  function setLobby(lobbyInfo) {
    if (!lobbyInfo || typeof lobbyInfo !== 'object') return;
    if (typeof lobbyInfo.name === 'string' && lobbyInfo.name.trim()) {
      el.name.textContent = lobbyInfo.name;
      document.title = lobbyInfo.name + ' — Cozy-Kart';
    }
    if (typeof lobbyInfo.code === 'string') el.code.textContent = lobbyInfo.code;
    else if (typeof lobbyInfo.id === 'number') el.code.textContent = String(lobbyInfo.id);
    setState(lobbyInfo.state);
  }

  function setRacers(racers) {
    const list = Array.isArray(racers) ? racers : [];
    const names = [];
    for (const r of list) {
      const name = r && typeof r === 'object' ? r.display_name : r;
      if (typeof name === 'string' && name.trim()) names.push(name);
    }
    const items = names.slice(0, MAX_RACERS_SHOWN).map((name) => {
      const li = document.createElement('li');
      li.className = 'racer';
      li.textContent = name;
      return li;
    });
    el.racers.replaceChildren(...items);
    const more = names.length - items.length;
    if (more > 0) el.racers.dataset.more = '+' + more + ' more';
    else delete el.racers.dataset.more;
  }

  function saleItem(sale, fresh) {
    const li = document.createElement('li');
    li.className = fresh ? 'sale sale-new' : 'sale';
    const buyer = document.createElement('span');
    buyer.className = 'buyer';
    buyer.textContent = typeof sale.buyer === 'string' && sale.buyer.trim() ? sale.buyer : 'someone';
    li.appendChild(buyer);
    const cur = validCurrency(sale.currency);
    const delta = parseMoney(sale.pool_delta);
    if (cur && delta) {
      li.appendChild(document.createTextNode(' '));
      const amt = document.createElement('span');
      amt.className = 'delta';
      amt.textContent = (delta.minor >= 0n ? '+' : '') + formatMoney(delta.minor, delta.d, cur);
      li.appendChild(amt);
    }
    return li;
  }

  function setSales(sales) {
    const list = (Array.isArray(sales) ? sales : []).filter((s) => s && typeof s === 'object');
    const stamped = list.map((s, i) => ({ s, i, t: typeof s.at === 'string' ? Date.parse(s.at) : NaN }));
    if (stamped.length && stamped.every((x) => Number.isFinite(x.t))) {
      stamped.sort((a, b) => (b.t - a.t) || (b.i - a.i)); // newest first
    }
    el.sales.replaceChildren(...stamped.slice(0, MAX_SALES).map((x) => saleItem(x.s, false)));
  }

  function addSale(sale) {
    el.sales.insertBefore(saleItem(sale, true), el.sales.firstChild);
    while (el.sales.children.length > MAX_SALES) el.sales.lastElementChild.remove();
  }

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

  function setCheckout(url) {
    if (typeof url === 'string' && url.trim()) {
      if (el.link.textContent !== url) renderLink(url);
      const src = qrPath + '?v=' + hashString(url);
      if (el.qr.getAttribute('src') !== src) {
        showQr(true);
        el.qr.setAttribute('src', src);
      }
      el.cta.hidden = false;
    } else {
      el.cta.hidden = true;
      el.link.textContent = '';
      showQr(false);
      el.qr.removeAttribute('src');
    }
  }
  function showQr(v) {
    el.qr.hidden = !v;
    el.qrFrame.hidden = !v;
  }
  el.qr.addEventListener('error', () => showQr(false));
  el.qr.addEventListener('load', () => showQr(true));

  // ---------------------------------------------------------- celebration

  const CONFETTI_COLORS = ['var(--accent)', '#ffd23f', '#ff5d8f', '#3ddc97', '#5ab0ff', '#ffffff'];

  function celebrate(sale) {
    const wrap = el.pot.parentElement;
    wrap.classList.remove('celebrate');
    void wrap.offsetWidth; // restart the CSS animation
    wrap.classList.add('celebrate');
    clearTimeout(celebrate.timer);
    celebrate.timer = setTimeout(() => wrap.classList.remove('celebrate'), CELEBRATE_MS);

    const nodes = [];
    for (let i = 0; i < CONFETTI_PIECES; i++) {
      const p = document.createElement('span');
      p.className = 'confetti' + (i % 3 === 0 ? ' round' : '');
      const angle = (Math.PI * 2 * i) / CONFETTI_PIECES + Math.random() * 0.5;
      const dist = 120 + Math.random() * 160;
      p.style.setProperty('--dx', Math.round(Math.cos(angle) * dist * 1.4) + 'px');
      p.style.setProperty('--dy', Math.round(Math.sin(angle) * dist * 0.7 - 40) + 'px');
      p.style.setProperty('--rot', Math.round(Math.random() * 720 - 360) + 'deg');
      p.style.setProperty('--delay', Math.round(Math.random() * 120) + 'ms');
      p.style.setProperty('--c', CONFETTI_COLORS[i % CONFETTI_COLORS.length]);
      nodes.push(p);
    }
    const delta = parseMoney(sale.pool_delta);
    const cur = validCurrency(sale.currency);
    if (delta && cur) {
      const pop = document.createElement('span');
      pop.className = 'pop';
      const who = typeof sale.buyer === 'string' && sale.buyer.trim() ? sale.buyer : 'someone';
      pop.textContent = '+' + formatMoney(delta.minor < 0n ? -delta.minor : delta.minor, delta.d, cur) + ' from ' + who;
      nodes.push(pop);
    }
    for (const n of nodes) el.fx.appendChild(n);
    while (el.fx.childElementCount > MAX_FX_NODES) el.fx.firstElementChild.remove();
    setTimeout(() => { for (const n of nodes) n.remove(); }, CELEBRATE_MS + 200);
  }

  // --------------------------------------------------------------- frames

  let lastSeq = null;
  let synced = false;     // a snapshot has been applied on the current stream
  let connected = false;

  function setSeq(seq) {
    lastSeq = seq;
    body.dataset.seq = String(seq);
  }

  function applySnapshot(f) {
    setLobby(f.lobby);
    setRacers(f.racers);
    replacePot(f.pot);
    setSales(f.recent_sales);
    setCheckout(f.checkout_url);
  }

  function applyEvent(f) {
    switch (f.type) {
      case 'window_opened':
        setState('open');
        replacePot({});
        setSales([]);
        break;
      case 'window_closed':
        setState('closed');
        if (f.totals && typeof f.totals === 'object') replacePot(f.totals);
        break;
      case 'roster':
        setRacers(f.racers);
        break;
      case 'sale': {
        if (!mergePot(f.pot)) bumpPot(f.currency, f.pool_delta);
        addSale(f);
        const d = parseMoney(f.pool_delta);
        if (!d || d.minor >= 0n) celebrate(f);
        break;
      }
      case 'refund':
        if (!mergePot(f.pot)) bumpPot(f.currency, f.pool_delta);
        break;
      default:
        break;
    }
  }

  /** Fallback when an event carries no pot: add the delta to the current target. */
  function bumpPot(currency, delta) {
    const cur = validCurrency(currency);
    const d = parseMoney(delta);
    if (!cur || !d) return;
    const row = pot.get(cur);
    const base = row ? row.to : 0n;
    const baseD = row ? row.d : d.d;
    const dd = Math.max(baseD, d.d);
    const sum = rescale(base, baseD, dd) + rescale(d.minor, d.d, dd);
    setPotTarget(cur, minorToDecimal(sum, dd));
    potLayout();
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

    if (type === 'snapshot') {
      if (!seqOk) return 'ignored';
      try {
        applySnapshot(frame);
      } catch (err) {
        console.error('overlay: bad snapshot', err);
        return 'ignored';
      }
      setSeq(seq);
      synced = true;
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
      applyEvent(frame);
    } catch (err) {
      console.error('overlay: failed to apply ' + type, err);
      resync('apply failed');
      return 'resync';
    }
    return 'applied';
  }

  // ----------------------------------------------------------- connection

  let ws = null;
  let backoffAttempt = 0;
  let reconnectTimer = 0;
  let snapshotTimer = 0;

  function setConnected(v) {
    connected = v;
    el.conn.dataset.connected = v ? 'true' : 'false';
    el.conn.title = v ? 'live' : 'reconnecting…';
  }

  function nextDelay() {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, backoffAttempt));
    backoffAttempt = Math.min(backoffAttempt + 1, 16);
    const jittered = base * (0.75 + Math.random() * 0.5); // ±25 %
    return Math.round(Math.min(BACKOFF_MAX_MS, Math.max(100, jittered)));
  }

  function scheduleReconnect() {
    if (reconnectTimer || !wsUrl) return;
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
    if (!wsUrl) return;
    dropSocket(1000, 'reconnect');
    let sock;
    try {
      sock = new WebSocket(wsUrl);
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

  // ----------------------------------------------------------- test hooks

  /** Inject one frame (object or JSON string) exactly as if it came off the socket. */
  window.__overlayApply = (frame) => handleFrame(frame, 'test');
  /** Read-only view of the client's bookkeeping, for tests. */
  window.__overlayState = () => ({
    lobby, wsUrl, lastSeq, synced, connected, backoffAttempt,
    theme, position, accent, scale,
  });

  // ----------------------------------------------------------------- boot

  setState('idle');
  setConnected(false);
  if (lobby) el.code.textContent = lobby;
  potLayout();
  connect();
})();

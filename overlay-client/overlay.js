/* Cozy-Kart stream overlay.
 *
 * Served at /overlay/{lobby}, /overlay/host/{discord_id} and
 * /overlay/channel/{channel_id}; connects to ws(s)://<host>/ws/lobbies/{lobby}
 * (or /ws/hosts/{id}, /ws/channels/{id}, which move to the next lobby by
 * themselves) and renders the live racer prize pool. Options come from the URL
 * through options.js. With ?preview=1 (the settings page) it takes frames from
 * its parent page instead of a socket. Plain ES2020, no dependencies.
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

  const CLOSED_SHOWN_MS = 60000;   // a race that ends stays on stream this long
  const KNOWN_TYPES = new Set(['snapshot', 'window_opened', 'window_closed', 'roster', 'sale', 'sale_updated', 'refund', 'goal']);
  const STATES = {
    idle: { badge: 'state.idle', label: 'pot.label' },
    open: { badge: 'state.open', label: 'pot.label' },
    closed: { badge: 'state.closed', label: 'pot.final' },
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
    ctaHeadline: $('cta-headline'),
    kofiHint: $('kofi-hint'),
    kofiTag: $('kofi-tag'),
    timer: $('timer'),
    you: $('you'),
    youName: $('you-name'),
    youShare: $('you-share'),
    goal: $('goal'),
    goalFill: $('goal-fill'),
    goalProgress: $('goal-progress'),
  };

  // ---------------------------------------------------------------- params

  const params = new URLSearchParams(location.search);
  const opts = window.CozyOverlayOptions.parse(params);
  const { theme, position, accent, scale } = opts;
  const preview = params.get('preview') === '1';
  const words = window.CozyI18n.translator(opts.locale || navigator.language);
  const t = words.t;
  words.apply(document);
  const reducedMotion = !!(window.matchMedia && matchMedia('(prefers-reduced-motion: reduce)').matches);

  body.dataset.theme = theme;
  body.dataset.position = position;
  body.dataset.layout = opts.layout;
  body.dataset.font = opts.font;
  body.dataset.hideIdle = opts.hide_idle ? '1' : '0';
  // Inline on <body> so they beat the per-theme defaults declared on body[data-theme].
  if (accent) body.style.setProperty('--accent', accent);
  if (opts.text) body.style.setProperty('--text', opts.text);
  if (opts.bg) body.style.setProperty('--panel-bg', opts.bg);
  body.style.setProperty('--font', window.CozyOverlayOptions.FONTS[opts.font]);
  body.style.setProperty('--scale', String(scale));
  if (opts.cta) el.ctaHeadline.textContent = opts.cta;
  if (opts.title) el.name.textContent = opts.title;

  // ----------------------------------------------------------------- lobby

  // /overlay/{code}, /overlay/host/{id} or /overlay/channel/{id}
  const segments = location.pathname.split('/').filter(Boolean).map((part) => {
    try { return decodeURIComponent(part); } catch (_) { return part; }
  });
  const follows = segments.length >= 3 && (segments[1] === 'host' || segments[1] === 'channel')
    ? segments[1] : null;
  let lobby = follows ? '' : (segments.length ? segments[segments.length - 1] : '');
  const socketPath = follows
    ? '/ws/' + follows + 's/' + encodeURIComponent(segments[2])
    : '/ws/lobbies/' + encodeURIComponent(lobby);
  const wsUrl = (!preview && (lobby || follows) && location.host && /^https?:$/.test(location.protocol))
    ? (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + socketPath
      + (opts.racer ? '?racer=' + encodeURIComponent(opts.racer) : '')
    : null;
  const qrPath = () => '/overlay/' + encodeURIComponent(lobby) + '/qr.svg';

  // ----------------------------------------------------------------- money

  const { parseMoney, minorToDecimal, rescale, validCurrency } = window.CozyMoney;
  const formatMoney = window.CozyMoney.formatter(opts.locale);

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
    // With reduced motion the new amount shows at once, never counted up; a
    // currency first seen (a page just loaded) shows its amount at once too.
    if (reducedMotion || isNew) row.shown = p.minor;
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
        emptyEl.textContent = t('pot.empty');
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
      const t = reducedMotion ? 1 : Math.min(1, Math.max(0, (now - row.start) / ANIM_MS));
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
    el.stateText.textContent = t(STATES[s].badge);
    el.potLabel.textContent = t(STATES[s].label);
  }

  // -------------------------------------------------------------- waiting

  let closedTimer = 0;

  /**
   * Nothing on stream (a transparent page) until there is a lobby to show: an
   * unknown or mistyped code, a host or channel with no lobby yet, a lobby whose
   * race ended more than a minute ago. The settings page's preview always shows.
   */
  function setWaiting(waiting) {
    body.dataset.waiting = waiting && !preview ? '1' : '0';
  }

  function showFor(state, live) {
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

  function setLobby(lobbyInfo) {
    if (!lobbyInfo || typeof lobbyInfo !== 'object') return;
    const name = opts.title || (typeof lobbyInfo.name === 'string' ? lobbyInfo.name.trim() : '');
    if (name) {
      el.name.textContent = name;
      document.title = name + ' — Cozy-Kart';
    }
    if (typeof lobbyInfo.code === 'string') {
      lobby = lobbyInfo.code;
      el.code.textContent = lobbyInfo.code;
    }
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
    if (more > 0) el.racers.dataset.more = t('racers.more', { n: more });
    else delete el.racers.dataset.more;
  }

  function saleItem(sale, fresh) {
    const li = document.createElement('li');
    li.className = fresh ? 'sale sale-new' : 'sale';
    const buyer = document.createElement('span');
    buyer.className = 'buyer';
    buyer.textContent = buyerName(sale.buyer);
    li.appendChild(buyer);
    if (Number.isSafeInteger(sale.sale_id)) li.dataset.saleId = String(sale.sale_id);
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

  /** The buyer as shown: the server's "someone" in the viewer's language. */
  function buyerName(name) {
    return typeof name === 'string' && name.trim() && name !== 'someone' ? name : t('someone');
  }

  /** `/overlay hide`: the sale's name is off the list. */
  function updateSale(f) {
    if (!Number.isSafeInteger(f.sale_id)) return;
    for (const li of el.sales.querySelectorAll('li[data-sale-id="' + f.sale_id + '"]')) {
      li.querySelector('.buyer').textContent = buyerName(f.buyer);
    }
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

  function setCheckout(url, kofiTag) {
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
      const amount = formatMoney(delta.minor < 0n ? -delta.minor : delta.minor, delta.d, cur);
      queuePill(t('sale.pop', { amount, who: buyerName(sale.buyer) }), sale.test === true ? 'pop test-pop' : 'pop');
    }
    for (const n of nodes) el.fx.appendChild(n);
    while (el.fx.childElementCount > MAX_FX_NODES) el.fx.firstElementChild.remove();
    setTimeout(() => { for (const n of nodes) n.remove(); }, CELEBRATE_MS + 200);
  }

  // ------------------------------------------------------------------ goal

  let serverGoal = null;   // { minor, d, currency } from /goal (snapshot, goal frame)
  let goalReached = false; // the pot has reached the goal shown now
  let goalCelebrations = 0;

  /** The goal shown: the URL's fixed goal (in ?currency or the pot's), else the host's. */
  function shownGoal() {
    if (opts.goal) {
      const currency = opts.currency || featuredCurrency();
      const g = parseMoney(opts.goal);
      return currency && g ? { minor: g.minor, d: g.d, currency } : null;
    }
    return serverGoal;
  }

  /** The currency the goal and the racer's share use: ?currency, else the pot's first. */
  function featuredCurrency() {
    if (opts.currency) return opts.currency;
    if (serverGoal) return serverGoal.currency;
    const first = pot.keys().next();
    return first.done ? null : first.value;
  }

  function setServerGoal(goal, live) {
    const g = goal && typeof goal === 'object' ? parseMoney(goal.amount) : null;
    const currency = goal && validCurrency(goal.currency);
    serverGoal = g && currency ? { minor: g.minor, d: g.d, currency } : null;
    updateGoal(live);
  }

  /** Redraws the goal bar; `live` (a sale) may celebrate the goal, once. */
  function updateGoal(live) {
    const goal = shownGoal();
    if (!goal || goal.minor <= 0n) {
      el.goal.hidden = true;
      goalReached = false;
      return;
    }
    const row = pot.get(goal.currency);
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

  // ----------------------------------------------------------------- pills

  const pills = [];          // { text, className } waiting their turn
  let pillShowing = false;
  let pillsShown = 0;
  const MAX_PILLS_WAITING = 6;

  /** One pill (a sale's "+$2.00 from Peach", "Goal reached!") at a time, in order. */
  function queuePill(text, className) {
    if (pills.length >= MAX_PILLS_WAITING) pills.shift();
    pills.push({ text, className });
    if (!pillShowing) nextPill();
  }

  function nextPill() {
    const next = pills.shift();
    if (!next) {
      pillShowing = false;
      return;
    }
    pillShowing = true;
    pillsShown += 1;
    const pill = document.createElement('span');
    pill.className = next.className;
    if (next.className.includes('test-pop')) {
      const tag = document.createElement('span');
      tag.className = 'test-tag';
      tag.textContent = t('test.tag');
      pill.appendChild(tag);
      pill.appendChild(document.createTextNode(' '));
    }
    pill.appendChild(document.createTextNode(next.text));
    el.fx.appendChild(pill);
    setTimeout(() => {
      pill.remove();
      nextPill();
    }, CELEBRATE_MS);
  }

  // ----------------------------------------------------------------- timer

  let timerFrom = null;      // race start (ms, server clock)
  let timerTo = null;        // race end, once over (ms, server clock)
  let clockOffset = 0;       // server clock minus this page's clock (ms)
  let timerInterval = 0;

  function setTimer(openedAt, closedAt, serverTime) {
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

  // ------------------------------------------------------------ your share

  let share = { minor: 0n, d: 0, currency: null, shown: 0n };

  /** A racer's own overlay: their name and their share of the race, counted up. */
  function setShare(racer) {
    if (!opts.racer || !racer || typeof racer !== 'object') return;
    el.you.hidden = false;
    const name = typeof racer.display_name === 'string' ? racer.display_name.trim() : '';
    el.youName.textContent = name ? ' · ' + name : '';
    const amounts = racer.share && typeof racer.share === 'object' ? racer.share : {};
    const featured = featuredCurrency();
    const currency = featured && amounts[featured] !== undefined ? featured : Object.keys(amounts)[0] || featured;
    const value = currency ? parseMoney(amounts[currency] === undefined ? '0' : amounts[currency]) : null;
    const cur = validCurrency(currency);
    if (!value || !cur) {
      el.youShare.textContent = '—';
      return;
    }
    // Shown at once when first seen (a reload), counted up only on a change.
    const from = share.currency === cur ? rescale(share.shown, share.d, value.d) : value.minor;
    share = { minor: value.minor, d: value.d, currency: cur, shown: from };
    el.youShare.dataset.value = value.text;
    countShare(performance.now(), from);
  }

  function countShare(start, from) {
    const target = share;
    const stepShare = (now) => {
      if (share !== target) return;
      const t = reducedMotion ? 1 : Math.min(1, (now - start) / ANIM_MS);
      target.shown = t >= 1 ? target.minor : from + BigInt(Math.round(Number(target.minor - from) * easeOut(t)));
      el.youShare.textContent = formatMoney(target.shown, target.d, target.currency);
      if (t < 1) requestAnimationFrame(stepShare);
    };
    stepShare(start);
    // A hidden source may not paint: settle anyway.
    setTimeout(() => stepShare(start + ANIM_MS), ANIM_MS + 250);
  }

  // ----------------------------------------------------------------- sound

  let saleSound = null;

  function playSound() {
    if (!opts.sound || preview) return;
    if (!saleSound) saleSound = new Audio('/overlay-assets/sale.wav');
    const play = saleSound.cloneNode();
    play.volume = opts.volume;
    const started = play.play();
    if (started && typeof started.catch === 'function') started.catch(() => { /* autoplay refused */ });
  }

  // ------------------------------------------------------- following a host

  let lobbyChanges = 0;

  /** The host or channel moved to another lobby (or has none yet): start afresh. */
  function changeLobby(code) {
    lobbyChanges += 1;
    synced = false;
    lastSeq = null;
    body.dataset.seq = '';
    replacePot({});
    setSales([]);
    setRacers([]);
    setServerGoal(null, false);
    setTimer(null, null, null);
    setState('idle');
    el.you.hidden = true;
    share = { minor: 0n, d: 0, currency: null, shown: 0n };
    if (typeof code === 'string' && code) {
      lobby = code;
      el.code.textContent = code;
    } else {
      // Nothing to show until the host or channel creates a lobby; no snapshot comes.
      setWaiting(true);
      lobby = '';
      el.code.textContent = '—';
      clearTimeout(snapshotTimer);
      setConnected(true);
    }
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
    setCheckout(f.checkout_url, f.kofi_tag);
    setServerGoal(f.goal, false);
    const state = f.lobby && f.lobby.state;
    setTimer(state === 'open' ? f.opened_at : null, null, f.server_time);
    showFor(state, false);
  }

  function applyEvent(f) {
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
        setTimer(timerFrom, f.closed_at, null);
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

    if (type === 'lobby_changed') {
      changeLobby(frame.code);
      return 'applied';
    }

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
      setShare(frame.racer);
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
      setShare(frame.racer);
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
    el.conn.title = v ? t('conn.live') : t('conn.reconnecting');
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
    theme, position, accent, scale, options: opts, preview,
    goalReached, goalCelebrations, lobbyChanges, pillsShown, lang: words.lang,
    waiting: body.dataset.waiting === '1',
  });

  // The settings page feeds its preview with sample frames from the same origin.
  if (preview) {
    window.addEventListener('message', (ev) => {
      if (ev.origin !== location.origin || !ev.data || typeof ev.data !== 'object') return;
      if (ev.data.cozyOverlayFrame) handleFrame(ev.data.cozyOverlayFrame, 'test');
    });
  }

  // ----------------------------------------------------------------- boot

  setState('idle');
  setWaiting(true);
  setConnected(preview);
  if (lobby) el.code.textContent = lobby;
  potLayout();
  connect();
})();

// The page's options from its URL, its words and money format, and the look they give it.

import { FONTS, parse } from '../options.js';
import { translator } from '../i18n.js';
import { formatter } from '../money.js';
import { body, el } from './dom.js';

const params = new URLSearchParams(location.search);

/** Every option of the URL, parsed and defaulted. */
export const opts = parse(params);
/** The settings page's preview (?preview=1): fed frames by its parent, never a socket. */
export const preview = params.get('preview') === '1';

const words = translator(opts.locale || navigator.language);
/** The catalogue's language tag. */
export const lang = words.lang;
/** One text in the viewer's language: t(key, vars). */
export const t = words.t;
/** Minor units as money in the `locale` option's format. */
export const formatMoney = formatter(opts.locale);

/** Puts the words and the options' look on the page, once, before anything is drawn. */
export function applyLook() {
  words.apply(document);
  body.dataset.theme = opts.theme;
  body.dataset.position = opts.position;
  body.dataset.layout = opts.layout;
  body.dataset.font = opts.font;
  body.dataset.hideIdle = opts.hide_idle ? '1' : '0';
  // Inline on <body> so they beat the per-theme defaults declared on body[data-theme].
  if (opts.accent) body.style.setProperty('--accent', opts.accent);
  if (opts.text) body.style.setProperty('--text', opts.text);
  if (opts.bg) body.style.setProperty('--panel-bg', opts.bg);
  body.style.setProperty('--font', FONTS[opts.font]);
  body.style.setProperty('--scale', String(opts.scale));
  if (opts.cta) el.ctaHeadline.textContent = opts.cta;
  if (opts.title) el.name.textContent = opts.title;
}

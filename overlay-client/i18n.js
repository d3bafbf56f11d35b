/* Cozy-Kart overlay words (an ES module): picks a catalogue for a locale (the
 * tag itself, then its base language, then any catalogue of that language, then
 * English) from catalogues.js, which the server writes from the files in
 * overlay-client/i18n/. Imported by the overlay and the settings page. Words are
 * written with textContent only. Plain ES2020, no dependencies.
 */
import all from './catalogues.js';

const english = all.en || {};

/** The catalogue's language tag for a locale such as "de-DE" or "pt-BR". */
function pick(locale) {
  const tag = String(locale || '').trim();
  const langs = Object.keys(all);
  const lower = (s) => s.toLowerCase();
  const exact = langs.find((l) => lower(l) === lower(tag));
  if (exact) return exact;
  const base = lower(tag.split('-')[0] || '');
  const byBase = langs.find((l) => lower(l) === base) || langs.find((l) => lower(l.split('-')[0]) === base);
  return byBase || 'en';
}

/** A translator for a locale: t(key, vars), its language, and apply(root). */
export function translator(locale) {
  const lang = pick(locale);
  const words = all[lang] || english;
  const t = (key, vars) => {
    let text = Object.prototype.hasOwnProperty.call(words, key) ? words[key] : (english[key] || key);
    if (vars) for (const [name, value] of Object.entries(vars)) text = text.split('{' + name + '}').join(String(value));
    return text;
  };
  /** Fills [data-i18n] elements' text and [data-i18n-attr="attr:key"] attributes. */
  const apply = (root) => {
    for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
    for (const node of root.querySelectorAll('[data-i18n-attr]')) {
      const [attr, key] = node.dataset.i18nAttr.split(':');
      if (attr && key) node.setAttribute(attr, t(key));
    }
    document.documentElement.lang = lang;
  };
  return { t, lang, apply };
}

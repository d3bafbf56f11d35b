/* Cozy-Kart overlay options (an ES module): every URL parameter the overlay
 * reads, with its allowed values and default. The overlay parses its own URL
 * with it, and the settings page builds its form and the finished OBS URL from
 * the same list, so the two cannot drift apart. Plain ES2020, no dependencies.
 */
const HEX = /^(?:[0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const DECIMAL = /^\d{1,12}(?:\.\d{1,3})?$/;
const SNOWFLAKE = /^\d{1,20}$/;

/** Fonts the page may use: system font stacks only, nothing fetched. */
export const FONTS = {
  system: '"Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", system-ui, sans-serif',
  rounded: 'ui-rounded, "SF Pro Rounded", "Nunito", "Varela Round", "Comfortaa", "DejaVu Sans", sans-serif',
  serif: 'Georgia, "Times New Roman", "Liberation Serif", "DejaVu Serif", serif',
  mono: '"Cascadia Mono", Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace',
  condensed: '"Arial Narrow", "Roboto Condensed", "Liberation Sans Narrow", "DejaVu Sans Condensed", sans-serif-condensed, sans-serif',
};

/** Locales offered by the settings page; any valid BCP 47 tag works in the URL. */
export const LOCALES = ['', 'en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'it-IT', 'nl-NL', 'pt-BR', 'pl-PL', 'sv-SE', 'ja-JP', 'ko-KR'];

function validLocale(v) {
  if (!v) return null;
  try {
    return Intl.getCanonicalLocales(v)[0] || null;
  } catch (_) {
    return null;
  }
}

/**
 * name: URL parameter; kind: how it is read; def: the default (never written to
 * a URL); label: the settings page's label.
 */
export const FIELDS = [
  { name: 'layout', kind: 'enum', values: ['slim', 'panel', 'bar'], def: 'slim', label: 'Layout (slim panel, full panel, or one-line bar)' },
  { name: 'theme', kind: 'enum', values: ['dark', 'light', 'neon'], def: 'dark', label: 'Theme' },
  { name: 'position', kind: 'enum', values: ['bottom-left', 'bottom-right', 'top-left', 'top-right'], def: 'bottom-left', label: 'Position (the bar uses top or bottom)' },
  { name: 'title', kind: 'text', max: 60, def: '', label: 'Title (default: the lobby name)' },
  { name: 'cta', kind: 'text', max: 120, def: '', label: 'Call to action' },
  { name: 'locale', kind: 'locale', values: LOCALES, def: '', label: 'Language and number format' },
  { name: 'currency', kind: 'currency', def: '', label: 'Currency of the goal and shares (default: the pot\'s)' },
  { name: 'goal', kind: 'decimal', def: '', label: 'Fixed goal (default: the one set with /goal)' },
  { name: 'racer', kind: 'snowflake', def: '', label: 'Racer view: your Discord id (shows your share)' },
  { name: 'font', kind: 'enum', values: Object.keys(FONTS), def: 'system', label: 'Font' },
  { name: 'accent', kind: 'hex', def: '', label: 'Accent colour (hex)' },
  { name: 'text', kind: 'hex', def: '', label: 'Text colour (hex)' },
  { name: 'bg', kind: 'hex', def: '', label: 'Panel background (hex, alpha allowed)' },
  { name: 'scale', kind: 'number', min: 0.25, max: 4, def: 1, label: 'Scale' },
  { name: 'timer', kind: 'bool', def: true, label: 'Race timer' },
  { name: 'hide_idle', kind: 'bool', def: false, label: 'Hide while no race is open' },
  { name: 'sound', kind: 'bool', def: false, label: 'Sound on a sale' },
  { name: 'volume', kind: 'number', min: 0, max: 1, def: 0.6, label: 'Sound volume (0 to 1)' },
];

/** One parameter's value from its raw text, or the default when invalid. */
export function read(field, raw) {
  if (raw === null || raw === undefined) return field.def;
  const v = String(raw).trim();
  switch (field.kind) {
    case 'enum': {
      const low = v.toLowerCase();
      return field.values.includes(low) ? low : field.def;
    }
    case 'text':
      return v.slice(0, field.max);
    case 'locale':
      return validLocale(v) || field.def;
    case 'currency':
      return /^[A-Za-z]{3}$/.test(v) ? v.toUpperCase() : field.def;
    case 'decimal':
      return DECIMAL.test(v) && Number(v) > 0 ? v : field.def;
    case 'snowflake':
      return SNOWFLAKE.test(v) ? v : field.def;
    case 'hex': {
      const h = v.replace(/^#/, '');
      return HEX.test(h) ? '#' + h.toLowerCase() : field.def;
    }
    case 'number': {
      const n = v === '' ? NaN : Number(v);
      return Number.isFinite(n) && n >= field.min && n <= field.max ? n : field.def;
    }
    case 'bool':
      if (['1', 'true', 'yes', 'on'].includes(v.toLowerCase())) return true;
      if (['0', 'false', 'no', 'off'].includes(v.toLowerCase())) return false;
      return field.def;
    default:
      return field.def;
  }
}

/** Every option from URL parameters. */
export function parse(params) {
  const options = {};
  for (const field of FIELDS) options[field.name] = read(field, params.get(field.name));
  return options;
}

/** The query string of the options that differ from their defaults. */
export function toQuery(options) {
  const params = new URLSearchParams();
  for (const field of FIELDS) {
    const value = read(field, options[field.name] === undefined ? null : String(options[field.name]));
    if (value === field.def) continue;
    if (field.kind === 'bool') params.set(field.name, value ? '1' : '0');
    else if (field.kind === 'hex') params.set(field.name, value.slice(1));
    else params.set(field.name, String(value));
  }
  const text = params.toString();
  return text ? '?' + text : '';
}

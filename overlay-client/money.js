/* Cozy-Kart overlay money (an ES module): amounts arrive as decimal strings in
 * the currency's minor unit ("12.50", "600" JPY) and are kept as integer minor
 * units (BigInt), never floats; formatted with Intl for the chosen locale.
 * Imported by the overlay and the settings page. Plain ES2020, no dependencies.
 */
const MONEY_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** "12.50" -> { minor: 1250n, d: 2, text: "12.50" }; null when not a decimal string. */
export function parseMoney(value) {
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
export function minorToDecimal(minor, d) {
  const neg = minor < 0n;
  let s = (neg ? -minor : minor).toString();
  if (d > 0) {
    s = s.padStart(d + 1, '0');
    s = s.slice(0, s.length - d) + '.' + s.slice(s.length - d);
  }
  return (neg ? '-' : '') + s;
}

export function rescale(minor, fromD, toD) {
  if (toD === fromD) return minor;
  if (toD > fromD) return minor * 10n ** BigInt(toD - fromD);
  return minor / 10n ** BigInt(fromD - toD);
}

/** A formatter of minor units for one locale (`''`: the viewer's own). */
export function formatter(locale) {
  const formatters = new Map();
  return function formatMoney(minor, d, currency) {
    const dec = minorToDecimal(minor, d);
    const key = currency + '|' + d;
    let fmt = formatters.get(key);
    if (fmt === undefined) {
      try {
        fmt = new Intl.NumberFormat(locale || undefined, {
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
  };
}

export function validCurrency(c) {
  return typeof c === 'string' && /^[A-Za-z0-9_-]{1,16}$/.test(c.trim()) ? c.trim() : null;
}

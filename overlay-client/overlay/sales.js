// The latest sales, newest first: who bought and what it added to the pot.

import { parseMoney, validCurrency } from '../money.js';
import { el } from './dom.js';
import { formatMoney, t } from './settings.js';

const MAX_SALES = 5;

/** The buyer as shown: the server's "someone" in the viewer's language. */
export function buyerName(name) {
  return typeof name === 'string' && name.trim() && name !== 'someone' ? name : t('someone');
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

/** The whole list (a snapshot's recent sales), newest first when all are dated. */
export function setSales(sales) {
  const list = (Array.isArray(sales) ? sales : []).filter((s) => s && typeof s === 'object');
  const stamped = list.map((s, i) => ({ s, i, t: typeof s.at === 'string' ? Date.parse(s.at) : NaN }));
  if (stamped.length && stamped.every((x) => Number.isFinite(x.t))) {
    stamped.sort((a, b) => (b.t - a.t) || (b.i - a.i)); // newest first
  }
  el.sales.replaceChildren(...stamped.slice(0, MAX_SALES).map((x) => saleItem(x.s, false)));
}

/** `/overlay hide`: the sale's name is off the list. */
export function updateSale(f) {
  if (!Number.isSafeInteger(f.sale_id)) return;
  for (const li of el.sales.querySelectorAll('li[data-sale-id="' + f.sale_id + '"]')) {
    li.querySelector('.buyer').textContent = buyerName(f.buyer);
  }
}

export function addSale(sale) {
  el.sales.insertBefore(saleItem(sale, true), el.sales.firstChild);
  while (el.sales.children.length > MAX_SALES) el.sales.lastElementChild.remove();
}

// The list of racers in the lobby, the first dozen by name and a count of the rest.

import { el } from './dom.js';
import { t } from './settings.js';

const MAX_RACERS_SHOWN = 12;

export function setRacers(racers) {
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

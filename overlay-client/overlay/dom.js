// The overlay page's elements (index.html), looked up once by id.

const $ = (id) => document.getElementById(id);

export const body = document.body;

export const el = {
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

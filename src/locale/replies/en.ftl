# Cozy-Kart's replies in English: the source of truth for every other catalogue.
# Each message is written with the placeholders the code passes; another catalogue
# may leave one out but may not use one English does not. User text arrives
# escaped for Discord's markdown. Amounts arrive written for the locale
# ($money: with the currency's code; $amount: the number alone).

## Who may use the bot where

not-set-up = Cozy-Kart is not set up for this server.
no-guild = Cozy-Kart works inside a server: run its commands in a channel of your server.
works-inside-server = Cozy-Kart works inside a server.
already-handled = That command is already being handled.
server-not-answering = The server is not answering right now; please try again.
interaction-unsupported = This interaction is not supported.

## Refusals shared by many commands

refused = Refused: { $reason }.
ledger-unavailable = The ledger is not answering right now; please try again.
change-unsaved = Could not save that change; please try again.
lobby-restarting = That lobby is restarting; try again in a moment.
lobby-unread = Could not look that lobby up; please try again.
lobby-no-code = There is no lobby with the code `{ $code }`.
lobby-none-in-channel = There is no lobby in this channel. Create one with `/lobby create`, or name one with the `lobby` option.
host-only-start = Only the lobby's host or an admin can start the race.
host-only-end = Only the lobby's host or an admin can end the race.
host-only-goal = Only the lobby's host or an admin can set the goal of the race.
host-only-overlay = Only the lobby's host or an admin can do that to its overlays.

## Lobbies and races

pot-empty = nothing yet
lobby-state-open = open
lobby-state-idle = idle
lobby-state-closed = closed
lobby-needs-channel = Lobbies live in a server channel; run `/lobby create` there.
lobby-default-name = { $name }'s lobby
lobby-not-created = Could not create the lobby; please try again.
race-joined = { $name } joined { $lobby } ({ $count }/{ $max } racers).
race-left = { $name } left { $lobby }.
race-nobody-yet = nobody yet (use `/join`)
race-started = 🏁 The race in { $lobby } is live! Every merch sale now boosts the racers' pot. Racers: { $racers }.
race-ended = 🏆 The race in { $lobby } is over.
race-timed-out = ⏱️ The race in { $lobby } ended by itself after { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }.
pot-now = Racers' pot in { $lobby } ({ $state }): { $pot }.

## The lobby card

card-content = Lobby { $lobby }: press **{ button-join }** to race (or `/join`); the host presses **{ button-start }** when the race begins.
card-description = Lobby `{ $code }`: { $state }
card-racing-since = 🏁 racing, started { $since }
card-racing = 🏁 racing
card-idle = waiting for the start
card-closed = race over; { button-start } runs the next one
card-nobody = nobody yet
card-racers = Racers ({ $count }/{ $max })
card-pot = Racers' pot
card-overlay = Overlay
button-join = Join
button-leave = Leave
button-start = Start
button-end = End

## A race's summary

summary-title = Race over: { $name }
summary-lobby = Lobby `{ $code }`
summary-sales = Sales
summary-pool = Racer pool
summary-shares = Share per racer
summary-no-shares = no sale paid the racers this race

## Wallets and the leaderboard

held-when = { $amount } becomes available { $at }
held-when-all = { $amount } becomes available { $at }, all of it { $last }
wallet-title = Your Cozy-Kart wallet
wallet-empty = No earnings yet: join a lobby and race while the shop is open!
wallet-available = available **{ $amount }**
wallet-pending = pending { $amount }
wallet-pending-held = pending { $amount } ({ $held })
wallet-paid = lifetime paid { $amount }
wallet-issuing = being issued { $amount }
wallet-recent = Last sales that paid you
wallet-recent-line = { $lobby }, { $date }: { $money } ({ $status })
wallet-lobby-unnamed = lobby #{ $id }
wallet-codes = Your store credit codes
wallet-code-line = `{ $code }`: { $money } at { $shop }, { $date }
wallet-overlay = Your racer overlay
allocation-pending = pending
allocation-available = available
allocation-reversed = reversed
leaderboard-title = Top earners
leaderboard-empty = No earnings in this server yet. Start a race!
leaderboard-line = { $rank }. { $name } — { $amount } { $currency }

## Payouts and the commission

payout-admin-only = Only admins (Manage Server or the admin role) can pay racers out.
payout-no-earnings = { $name } has no earnings to pay out.
payout-held = { $money } more is held: { $held }.
commission-admin-only = Only admins can change the commission rate.
commission-set = Commission rate is now { $percent } % of each sale, from the next sale in this server on.
method-store-credit = store credit
method-gift-card = gift card
method-manual = manual
the-shop = the shop
no-reason = no reason given
paid-recorded = 🎉 Congratulations { $name }! You were paid { $money } ({ $method }), recorded as paid by other means.
paid-issued = 🎉 Congratulations { $name }! You were paid { $money } as { $kind } from { $shop }: the code is in your DMs and in `/wallet`.
paid-released = Nothing was paid: { $shop } did not issue the { $kind }: { $reason }. The balance is as it was; try again later.
paid-in-flight = That payout of { $money } is still being issued; the racer gets the code by DM and in `/wallet` once the shop answers.
credit-dm = 🎉 Your Cozy-Kart earnings are ready: **{ $money }** of store credit at { $shop }.
    Your code: `{ $code }`
    Enter it at checkout. `/wallet` lists your codes too.

## Cashing out

cashout-off = Cashing out yourself is off on this server; an admin pays racers with `/payout` (or turns it on with `/payouts self_serve:true`).
cashout-several = You have money available in several currencies; say which with the `currency` option.
cashout-nothing = You have nothing available to cash out here yet.
cashout-below = You can cash out from { $minimum }; you have { $available } available.
cashout-no-shop = No shop issues store credit on this server yet; ask an admin.
payouts-admin-only = Only admins can change how racers are paid here.
payouts-on-from = Racers can now `/cashout` their available balance here, from { $minimum } (or the payout threshold, if higher).
payouts-on = Racers can now `/cashout` their available balance here, from the payout threshold.
payouts-off = Cashing out is now for admins only here (`/payout`).
payouts-no-shop = No shop can issue store credit here yet: give one its API credentials (README, Going live).

## Goals

goal-bad-currency = `{ $code }` is not a currency code (ISO 4217, e.g. EUR).
goal-no-currency = No currency for the goal; name one.
goal-bad-amount = The goal must be an amount such as `50.00` in { $currency } (0 clears it).
goal-set = 🎯 Goal for { $lobby }: { $money }. The overlay shows the way there.
goal-cleared = The goal of { $lobby } is cleared.

## Overlays

overlay-names-admin-only = Only admins can change how overlays show buyer names.
overlay-test-no-currency = No currency for the test sale.
overlay-test-no-amount = No sample amount in this currency.
overlay-test-playing = 🧪 A test sale of { $money } is playing on the overlays of { $lobby }. The pot, the goal and the sales list are unchanged.
overlay-hidden = The latest buyer name is off every overlay of { $lobby }; it shows as someone from now on.
overlay-mode-invalid = The mode is one of public, initials, off or default.
overlay-names-public = Overlays here show buyers' names as they give them (cleaned and filtered).
overlay-names-initials = Overlays here show buyers' initials only (J. D.).
overlay-names-off = Overlays here show every buyer as someone.
overlay-names-default = Overlays here show buyer names as the server's configuration says.
overlay-words-full = This server has { $max } words already; unblock one first.
overlay-blocked = Buyer names matching `{ $word }` show as someone on this server's overlays.
overlay-unblocked = `{ $word }` is no longer blocked on this server's overlays.

## Why the lobby, the ledger or a shop refused (each after "Refused: ")

lobby-full = the lobby is full ({ $count } racers)
lobby-already-joined = you are already on this lobby's roster
lobby-not-joined = you are not on this lobby's roster
lobby-already-open = the race is already running
lobby-not-open = no race is running in this lobby
lobby-guild-full = this server already has { $count } lobbies that are not closed; end a race first
lobby-too-many-this-hour = this server created { $count } lobbies within the last hour; try again later
lobby-no-name-to-hide = this race has no sale with a buyer name to hide
lobby-name-control = a lobby name holds no control or text-direction characters
lobby-name-length = a lobby name is 1 to { $max } characters
payout-not-positive = payout must be a positive amount
payout-over-available = { $requested } { $currency } is more than the available balance of { $available } { $currency }
payout-below-threshold = { $requested } { $currency } is below the payout threshold of { $threshold } { $currency }; pass force to pay anyway
payout-key-reused = this idempotency key was already used for another payout request; nothing was paid
payout-bad-amount = `{ $text }` is not a valid amount: { $reason }
payout-bad-method = the method must be one of { $allowed }, not `{ $given }`
payout-racer-no-earnings = the racer has no earnings to pay out
payout-several-currencies = the racer has earnings in several currencies; say which with the `currency` option
payout-note-too-long = a note is at most { $max } characters
credit-unknown-shop = there is no shop `{ $shop }` that issues store credit here
credit-several-shops = several shops issue store credit here ({ $shops }); say which with `shop`
credit-manual-with-shop = a manual payout names no shop; leave `shop` out or pick store credit or a gift card
credit-currency = shop `{ $shop }` issues gift cards in { $issues } only, not in { $asked }
credit-shop-unavailable = shop `{ $shop }` did not say which currency it issues in: { $said }
word-too-short = a blocked word needs at least two letters or digits
word-too-long = a blocked word has at most { $max } characters
word-characters = a blocked word holds only letters, digits, spaces, - ' and the * wildcard
money-unknown-currency = unknown currency { $code }
money-too-precise = { $amount } has more decimal places than { $currency } allows ({ $exponent })
money-not-a-number = { $text } is not a decimal amount
money-out-of-range = amount { $amount } is out of range
money-bad-rate = commission rate must be between 0 and 1, got { $rate }

## Options that could not be read (before any command runs)

command-unknown = Cozy-Kart has no /{ $command } command; type / to see the ones it has.
command-unknown-part = /{ $command } has no `{ $part }` part; try /{ $command } create.
command-missing = Please fill in { $what }.
command-wrong-type = { $what } should be { $expected }.
command-bad-choice = { $value } is not one of the choices for { $what }: { $allowed }.
command-too-long = { $what } is too long: at most { $max } characters, please.
command-unknown-button = That button is not one of Cozy-Kart's lobby cards.
expect-text = text
expect-yes-no = yes or no
expect-member = a member of this server
option-amount = the amount (a decimal such as 20.00)
option-user = the racer to pay
option-rate = the rate (a share of each sale, such as 0.20)
option-currency = the currency (a code such as USD)
option-method = the payout method
option-note = the note
option-force = force
option-lobby = the lobby
option-name = the lobby's name
option-create = what to do with lobbies (create)
option-other = an option

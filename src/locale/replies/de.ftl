# Cozy-Kart's replies in German (informal "du", as the command descriptions).
# English (en.ftl) is the source of truth: same messages, no other placeholders.

## Who may use the bot where

not-set-up = Cozy-Kart ist für diesen Server nicht eingerichtet.
no-guild = Cozy-Kart funktioniert nur auf einem Server: Nutze die Befehle in einem Kanal deines Servers.
works-inside-server = Cozy-Kart funktioniert nur auf einem Server.
already-handled = Dieser Befehl wird bereits bearbeitet.
server-not-answering = Der Server antwortet gerade nicht; bitte versuch es noch einmal.
interaction-unsupported = Diese Interaktion wird nicht unterstützt.

## Refusals shared by many commands

refused = Abgelehnt: { $reason }.
ledger-unavailable = Das Kassenbuch antwortet gerade nicht; bitte versuch es noch einmal.
change-unsaved = Die Änderung konnte nicht gespeichert werden; bitte versuch es noch einmal.
lobby-restarting = Diese Lobby startet gerade neu; versuch es gleich noch einmal.
lobby-unread = Die Lobby konnte nicht nachgeschlagen werden; bitte versuch es noch einmal.
lobby-no-code = Es gibt keine Lobby mit dem Code `{ $code }`.
lobby-none-in-channel = In diesem Kanal gibt es keine Lobby. Erstelle eine mit `/lobby erstellen` oder nenne eine mit der Option `lobby`.
host-only-start = Nur der Host der Lobby oder ein Admin kann das Rennen starten.
host-only-end = Nur der Host der Lobby oder ein Admin kann das Rennen beenden.
host-only-goal = Nur der Host der Lobby oder ein Admin kann das Ziel des Rennens setzen.
host-only-overlay = Nur der Host der Lobby oder ein Admin kann das mit ihren Overlays tun.

## Lobbies and races

pot-empty = noch nichts
lobby-state-open = läuft
lobby-state-idle = wartet
lobby-state-closed = beendet
lobby-needs-channel = Lobbys leben in einem Serverkanal; nutze `/lobby erstellen` dort.
lobby-default-name = Lobby von { $name }
lobby-not-created = Die Lobby konnte nicht erstellt werden; bitte versuch es noch einmal.
race-joined = { $name } ist { $lobby } beigetreten ({ $count }/{ $max } Fahrer).
race-left = { $name } hat { $lobby } verlassen.
race-nobody-yet = noch niemand (mit `/beitreten` dabei sein)
race-started = 🏁 Das Rennen in { $lobby } läuft! Jeder Merch-Kauf füllt jetzt den Fahrertopf. Fahrer: { $racers }.
race-ended = 🏆 Das Rennen in { $lobby } ist vorbei.
race-timed-out = ⏱️ Das Rennen in { $lobby } hat nach { $minutes } { $minutes ->
        [one] Minute
       *[other] Minuten
    } von selbst geendet.
pot-now = Fahrertopf in { $lobby } ({ $state }): { $pot }.

## The lobby card

card-content = Lobby { $lobby }: Drück **{ button-join }**, um mitzufahren (oder `/beitreten`); der Host drückt **{ button-start }**, wenn das Rennen beginnt.
card-description = Lobby `{ $code }`: { $state }
card-racing-since = 🏁 Rennen läuft, gestartet { $since }
card-racing = 🏁 Rennen läuft
card-idle = wartet auf den Start
card-closed = Rennen vorbei; { button-start } startet das nächste
card-nobody = noch niemand
card-racers = Fahrer ({ $count }/{ $max })
card-pot = Fahrertopf
card-overlay = Overlay
button-join = Beitreten
button-leave = Verlassen
button-start = Start
button-end = Beenden

## A race's summary

summary-title = Rennen vorbei: { $name }
summary-lobby = Lobby `{ $code }`
summary-sales = Käufe
summary-pool = Fahrerpool
summary-shares = Anteil je Fahrer
summary-no-shares = kein Kauf hat in diesem Rennen an die Fahrer gezahlt

## Wallets and the leaderboard

held-when = { $amount } wird { $at } verfügbar
held-when-all = { $amount } wird { $at } verfügbar, alles { $last }
wallet-title = Deine Cozy-Kart-Geldbörse
wallet-empty = Noch keine Einnahmen: Tritt einer Lobby bei und fahr, während der Shop offen ist!
wallet-available = verfügbar **{ $amount }**
wallet-pending = ausstehend { $amount }
wallet-pending-held = ausstehend { $amount } ({ $held })
wallet-paid = insgesamt ausgezahlt { $amount }
wallet-issuing = wird ausgegeben { $amount }
wallet-recent = Letzte Käufe, die dir etwas gezahlt haben
wallet-recent-line = { $lobby }, { $date }: { $money } ({ $status })
wallet-lobby-unnamed = Lobby #{ $id }
wallet-codes = Deine Shop-Guthaben-Codes
wallet-code-line = `{ $code }`: { $money } bei { $shop }, { $date }
wallet-overlay = Dein Fahrer-Overlay
allocation-pending = ausstehend
allocation-available = verfügbar
allocation-reversed = erstattet
leaderboard-title = Top-Verdiener
leaderboard-empty = Auf diesem Server gibt es noch keine Einnahmen. Starte ein Rennen!
leaderboard-line = { $rank }. { $name } — { $amount } { $currency }

## Payouts and the commission

payout-admin-only = Nur Admins (Server verwalten oder die Admin-Rolle) können Fahrer auszahlen.
payout-no-earnings = { $name } hat keine Einnahmen zum Auszahlen.
payout-held = { $money } mehr wird noch zurückgehalten: { $held }.
commission-admin-only = Nur Admins können den Provisionssatz ändern.
commission-set = Der Provisionssatz beträgt jetzt { $percent } % jedes Kaufs, ab dem nächsten Kauf auf diesem Server.
method-store-credit = Shop-Guthaben
method-gift-card = Geschenkkarte
method-manual = manuell
the-shop = der Shop
no-reason = kein Grund angegeben
paid-recorded = 🎉 Glückwunsch, { $name }! Dir wurden { $money } ausgezahlt ({ $method }), als anderweitig bezahlt erfasst.
paid-issued = 🎉 Glückwunsch, { $name }! Dir wurden { $money } als { $kind } von { $shop } ausgezahlt: Der Code ist in deinen DMs und in `/geldbörse`.
paid-released = Nichts wurde ausgezahlt: { $shop } hat { $kind } nicht ausgegeben: { $reason }. Das Guthaben ist unverändert; versuch es später noch einmal.
paid-in-flight = Diese Auszahlung von { $money } wird noch ausgegeben; der Fahrer bekommt den Code per DM und in `/geldbörse`, sobald der Shop antwortet.
credit-dm = 🎉 Deine Cozy-Kart-Einnahmen sind da: **{ $money }** Shop-Guthaben bei { $shop }.
    Dein Code: `{ $code }`
    Gib ihn an der Kasse ein. `/geldbörse` listet deine Codes auch.

## Cashing out

cashout-off = Selbst auszahlen ist auf diesem Server aus; ein Admin zahlt Fahrer mit `/auszahlung` aus (oder schaltet es mit `/auszahlungen selbstbedienung:true` ein).
cashout-several = Du hast verfügbares Geld in mehreren Währungen; sag mit der Option `währung`, welche.
cashout-nothing = Du hast hier noch nichts zum Auszahlen verfügbar.
cashout-below = Du kannst ab { $minimum } auszahlen; verfügbar hast du { $available }.
cashout-no-shop = Auf diesem Server gibt noch kein Shop Guthaben aus; frag einen Admin.
payouts-admin-only = Nur Admins können ändern, wie Fahrer hier ausgezahlt werden.
payouts-on-from = Fahrer können ihr verfügbares Guthaben hier jetzt mit `/auszahlen` auszahlen, ab { $minimum } (oder der Auszahlungsschwelle, falls höher).
payouts-on = Fahrer können ihr verfügbares Guthaben hier jetzt mit `/auszahlen` auszahlen, ab der Auszahlungsschwelle.
payouts-off = Auszahlen ist hier jetzt nur für Admins (`/auszahlung`).
payouts-no-shop = Noch kann hier kein Shop Guthaben ausgeben: Gib einem Shop seine API-Zugangsdaten (README, Going live).

## Goals

goal-bad-currency = `{ $code }` ist kein Währungscode (ISO 4217, z. B. EUR).
goal-no-currency = Keine Währung für das Ziel; nenne eine.
goal-bad-amount = Das Ziel muss ein Betrag wie `50.00` in { $currency } sein (0 löscht es).
goal-set = 🎯 Ziel für { $lobby }: { $money }. Das Overlay zeigt den Weg dorthin.
goal-cleared = Das Ziel von { $lobby } ist gelöscht.

## Overlays

overlay-names-admin-only = Nur Admins können ändern, wie Overlays Käufernamen zeigen.
overlay-test-no-currency = Keine Währung für den Testkauf.
overlay-test-no-amount = Kein Beispielbetrag in dieser Währung.
overlay-test-playing = 🧪 Ein Testkauf über { $money } läuft auf den Overlays von { $lobby }. Topf, Ziel und Kaufliste bleiben unverändert.
overlay-hidden = Der letzte Käufername ist von jedem Overlay von { $lobby } genommen; er erscheint ab jetzt als „jemand“.
overlay-mode-invalid = Der Modus ist public, initials, off oder default.
overlay-names-public = Overlays hier zeigen Käufernamen so, wie sie angegeben werden (bereinigt und gefiltert).
overlay-names-initials = Overlays hier zeigen nur die Initialen der Käufer (J. D.).
overlay-names-off = Overlays hier zeigen jeden Käufer als „jemand“.
overlay-names-default = Overlays hier zeigen Käufernamen so, wie die Serverkonfiguration es sagt.
overlay-words-full = Dieser Server hat schon { $max } Wörter; entsperre zuerst eines.
overlay-blocked = Käufernamen, die auf `{ $word }` passen, erscheinen auf den Overlays dieses Servers als „jemand“.
overlay-unblocked = `{ $word }` ist auf den Overlays dieses Servers nicht mehr gesperrt.

## Why the lobby, the ledger or a shop refused (each after "Refused: ")

lobby-full = die Lobby ist voll ({ $count } Fahrer)
lobby-already-joined = du bist schon im Kader dieser Lobby
lobby-not-joined = du bist nicht im Kader dieser Lobby
lobby-already-open = das Rennen läuft schon
lobby-not-open = in dieser Lobby läuft kein Rennen
lobby-guild-full = dieser Server hat schon { $count } Lobbys, die nicht beendet sind; beende zuerst ein Rennen
lobby-too-many-this-hour = dieser Server hat in der letzten Stunde { $count } Lobbys erstellt; versuch es später noch einmal
lobby-no-name-to-hide = in diesem Rennen gibt es keinen Kauf mit einem Käufernamen zum Verbergen
lobby-name-control = ein Lobbyname enthält keine Steuer- oder Textrichtungszeichen
lobby-name-length = ein Lobbyname hat 1 bis { $max } Zeichen
payout-not-positive = die Auszahlung muss ein positiver Betrag sein
payout-over-available = { $requested } { $currency } ist mehr als das verfügbare Guthaben von { $available } { $currency }
payout-below-threshold = { $requested } { $currency } liegt unter der Auszahlungsschwelle von { $threshold } { $currency }; mit erzwingen trotzdem auszahlen
payout-key-reused = dieser Idempotenzschlüssel wurde schon für eine andere Auszahlung verwendet; nichts wurde ausgezahlt
payout-bad-amount = `{ $text }` ist kein gültiger Betrag: { $reason }
payout-bad-method = die Methode muss eine von { $allowed } sein, nicht `{ $given }`
payout-racer-no-earnings = der Fahrer hat keine Einnahmen zum Auszahlen
payout-several-currencies = der Fahrer hat Einnahmen in mehreren Währungen; sag mit der Option `währung`, welche
payout-note-too-long = eine Notiz hat höchstens { $max } Zeichen
credit-unknown-shop = hier gibt es keinen Shop `{ $shop }`, der Guthaben ausgibt
credit-several-shops = hier geben mehrere Shops Guthaben aus ({ $shops }); sag mit `shop`, welcher
credit-manual-with-shop = eine manuelle Auszahlung nennt keinen Shop; lass `shop` weg oder wähle Shop-Guthaben oder eine Geschenkkarte
credit-currency = der Shop `{ $shop }` gibt Geschenkkarten nur in { $issues } aus, nicht in { $asked }
credit-shop-unavailable = der Shop `{ $shop }` hat nicht gesagt, in welcher Währung er ausgibt: { $said }
word-too-short = ein gesperrtes Wort braucht mindestens zwei Buchstaben oder Ziffern
word-too-long = ein gesperrtes Wort hat höchstens { $max } Zeichen
word-characters = ein gesperrtes Wort enthält nur Buchstaben, Ziffern, Leerzeichen, - ' und den Platzhalter *
money-unknown-currency = unbekannte Währung { $code }
money-too-precise = { $amount } hat mehr Nachkommastellen, als { $currency } erlaubt ({ $exponent })
money-not-a-number = { $text } ist kein Dezimalbetrag
money-out-of-range = der Betrag { $amount } liegt außerhalb des Bereichs
money-bad-rate = der Provisionssatz muss zwischen 0 und 1 liegen, nicht { $rate }

## Options that could not be read (before any command runs)

command-unknown = Cozy-Kart hat keinen Befehl /{ $command }; tippe /, um die vorhandenen zu sehen.
command-unknown-part = /{ $command } hat keinen Teil `{ $part }`; versuch /{ $command } erstellen.
command-missing = Bitte ausfüllen: { $what }.
command-wrong-type = { $what }: erwartet wird { $expected }.
command-bad-choice = { $value } ist keine der Auswahlmöglichkeiten für { $what }: { $allowed }.
command-too-long = { $what } ist zu lang: höchstens { $max } Zeichen, bitte.
command-unknown-button = Dieser Knopf gehört zu keiner Lobbykarte von Cozy-Kart.
expect-text = Text
expect-yes-no = ja oder nein
expect-member = ein Mitglied dieses Servers
option-amount = Betrag (eine Dezimalzahl wie 20.00)
option-user = der auszuzahlende Fahrer
option-rate = Satz (ein Anteil jedes Kaufs, wie 0.20)
option-currency = Währung (ein Code wie USD)
option-method = Auszahlungsmethode
option-note = Notiz
option-force = erzwingen
option-lobby = Lobby
option-name = Name der Lobby
option-create = was mit Lobbys geschehen soll (erstellen)
option-other = eine Option

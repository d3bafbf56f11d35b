# Cozy-Kart's replies in French (tutoiement, as the command descriptions).
# English (en.ftl) is the source of truth: same messages, no other placeholders.

## Who may use the bot where

not-set-up = Cozy-Kart n'est pas configuré pour ce serveur.
no-guild = Cozy-Kart fonctionne dans un serveur : lance ses commandes dans un salon de ton serveur.
works-inside-server = Cozy-Kart fonctionne dans un serveur.
already-handled = Cette commande est déjà en cours de traitement.
server-not-answering = Le serveur ne répond pas pour le moment ; réessaie, s'il te plaît.
interaction-unsupported = Cette interaction n'est pas prise en charge.

## Refusals shared by many commands

refused = Refusé : { $reason }.
ledger-unavailable = Le registre ne répond pas pour le moment ; réessaie, s'il te plaît.
change-unsaved = Impossible d'enregistrer ce changement ; réessaie, s'il te plaît.
lobby-restarting = Ce salon redémarre ; réessaie dans un instant.
lobby-unread = Impossible de trouver ce salon ; réessaie, s'il te plaît.
lobby-no-code = Aucun salon n'a le code `{ $code }`.
lobby-none-in-channel = Il n'y a pas de salon de course dans ce canal. Crée-en un avec `/salon créer`, ou indique-en un avec l'option `salon`.
host-only-start = Seul l'hôte du salon ou un admin peut lancer la course.
host-only-end = Seul l'hôte du salon ou un admin peut finir la course.
host-only-goal = Seul l'hôte du salon ou un admin peut fixer l'objectif de la course.
host-only-overlay = Seul l'hôte du salon ou un admin peut faire cela à ses overlays.

## Lobbies and races

pot-empty = rien pour l'instant
lobby-state-open = en course
lobby-state-idle = en attente
lobby-state-closed = terminé
lobby-needs-channel = Les salons de course vivent dans un canal du serveur ; lance `/salon créer` là-bas.
lobby-default-name = Salon de { $name }
lobby-not-created = Impossible de créer le salon ; réessaie, s'il te plaît.
race-joined = { $name } a rejoint { $lobby } ({ $count }/{ $max } pilotes).
race-left = { $name } a quitté { $lobby }.
race-nobody-yet = personne pour l'instant (utilise `/rejoindre`)
race-started = 🏁 La course dans { $lobby } est lancée ! Chaque achat de merch remplit maintenant la cagnotte des pilotes. Pilotes : { $racers }.
race-ended = 🏆 La course dans { $lobby } est terminée.
race-timed-out = ⏱️ La course dans { $lobby } s'est terminée d'elle-même après { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }.
pot-now = Cagnotte des pilotes dans { $lobby } ({ $state }) : { $pot }.

## The lobby card

card-content = Salon { $lobby } : appuie sur **{ button-join }** pour courir (ou `/rejoindre`) ; l'hôte appuie sur **{ button-start }** quand la course commence.
card-description = Salon `{ $code }` : { $state }
card-racing-since = 🏁 en course, lancée { $since }
card-racing = 🏁 en course
card-idle = en attente du départ
card-closed = course terminée ; { button-start } lance la suivante
card-nobody = personne pour l'instant
card-racers = Pilotes ({ $count }/{ $max })
card-pot = Cagnotte des pilotes
card-overlay = Overlay
button-join = Rejoindre
button-leave = Quitter
button-start = Départ
button-end = Fin

## A race's summary

summary-title = Course terminée : { $name }
summary-lobby = Salon `{ $code }`
summary-sales = Ventes
summary-pool = Cagnotte des pilotes
summary-shares = Part par pilote
summary-no-shares = aucune vente n'a payé les pilotes pendant cette course

## Wallets and the leaderboard

held-when = { $amount } disponible { $at }
held-when-all = { $amount } disponible { $at }, le tout { $last }
wallet-title = Ton portefeuille Cozy-Kart
wallet-empty = Pas encore de gains : rejoins un salon et cours pendant que la boutique est ouverte !
wallet-available = disponible **{ $amount }**
wallet-pending = en attente { $amount }
wallet-pending-held = en attente { $amount } ({ $held })
wallet-paid = total payé { $amount }
wallet-issuing = en cours d'émission { $amount }
wallet-recent = Dernières ventes qui t'ont payé
wallet-recent-line = { $lobby }, { $date } : { $money } ({ $status })
wallet-lobby-unnamed = salon n° { $id }
wallet-codes = Tes codes d'avoir
wallet-code-line = `{ $code }` : { $money } chez { $shop }, { $date }
wallet-overlay = Ton overlay de pilote
allocation-pending = en attente
allocation-available = disponible
allocation-reversed = remboursé
leaderboard-title = Meilleurs gains
leaderboard-empty = Pas encore de gains sur ce serveur. Lance une course !
leaderboard-line = { $rank }. { $name } — { $amount } { $currency }

## Payouts and the commission

payout-admin-only = Seuls les admins (Gérer le serveur ou le rôle admin) peuvent payer les pilotes.
payout-no-earnings = { $name } n'a aucun gain à payer.
payout-held = { $money } de plus est retenu : { $held }.
commission-admin-only = Seuls les admins peuvent changer le taux de commission.
commission-set = Le taux de commission est maintenant de { $percent } % de chaque vente, à partir de la prochaine vente sur ce serveur.
method-store-credit = avoir boutique
method-gift-card = carte cadeau
method-manual = manuel
the-shop = la boutique
no-reason = aucune raison donnée
paid-recorded = 🎉 Félicitations { $name } ! Tu as reçu { $money } ({ $method }), enregistré comme payé autrement.
paid-issued = 🎉 Félicitations { $name } ! Tu as reçu { $money } en { $kind } de { $shop } : le code est dans tes MP et dans `/portefeuille`.
paid-released = Rien n'a été payé : { $shop } n'a pas émis le paiement en { $kind } : { $reason }. Le solde est inchangé ; réessaie plus tard.
paid-in-flight = Ce paiement de { $money } est encore en cours d'émission ; le pilote recevra le code par MP et dans `/portefeuille` dès que la boutique répondra.
credit-dm = 🎉 Tes gains Cozy-Kart sont prêts : **{ $money }** d'avoir chez { $shop }.
    Ton code : `{ $code }`
    Saisis-le au paiement. `/portefeuille` liste aussi tes codes.

## Cashing out

cashout-off = L'encaissement en libre-service est désactivé sur ce serveur ; un admin paie les pilotes avec `/paiement` (ou l'active avec `/paiements libre_service:true`).
cashout-several = Tu as de l'argent disponible dans plusieurs devises ; indique laquelle avec l'option `devise`.
cashout-nothing = Tu n'as encore rien de disponible à encaisser ici.
cashout-below = Tu peux encaisser à partir de { $minimum } ; tu as { $available } de disponible.
cashout-no-shop = Aucune boutique n'émet d'avoir sur ce serveur pour l'instant ; demande à un admin.
payouts-admin-only = Seuls les admins peuvent changer la façon dont les pilotes sont payés ici.
payouts-on-from = Les pilotes peuvent maintenant encaisser leur solde disponible ici avec `/encaisser`, à partir de { $minimum } (ou du seuil de paiement, s'il est plus élevé).
payouts-on = Les pilotes peuvent maintenant encaisser leur solde disponible ici avec `/encaisser`, à partir du seuil de paiement.
payouts-off = L'encaissement est maintenant réservé aux admins ici (`/paiement`).
payouts-no-shop = Aucune boutique ne peut encore émettre d'avoir ici : donne à l'une d'elles ses identifiants d'API (README, Going live).

## Goals

goal-bad-currency = `{ $code }` n'est pas un code de devise (ISO 4217, p. ex. EUR).
goal-no-currency = Aucune devise pour l'objectif ; indiques-en une.
goal-bad-amount = L'objectif doit être un montant comme `50.00` en { $currency } (0 l'efface).
goal-set = 🎯 Objectif pour { $lobby } : { $money }. L'overlay montre le chemin.
goal-cleared = L'objectif de { $lobby } est effacé.

## Overlays

overlay-names-admin-only = Seuls les admins peuvent changer la façon dont les overlays affichent les noms des acheteurs.
overlay-test-no-currency = Aucune devise pour la vente de test.
overlay-test-no-amount = Aucun montant d'exemple dans cette devise.
overlay-test-playing = 🧪 Une vente de test de { $money } est jouée sur les overlays de { $lobby }. La cagnotte, l'objectif et la liste des ventes ne changent pas.
overlay-hidden = Le dernier nom d'acheteur est retiré de tous les overlays de { $lobby } ; il s'affiche désormais comme « quelqu'un ».
overlay-mode-invalid = Le mode est public, initials, off ou default.
overlay-names-public = Les overlays d'ici affichent les noms des acheteurs tels qu'ils les donnent (nettoyés et filtrés).
overlay-names-initials = Les overlays d'ici n'affichent que les initiales des acheteurs (J. D.).
overlay-names-off = Les overlays d'ici affichent chaque acheteur comme « quelqu'un ».
overlay-names-default = Les overlays d'ici affichent les noms des acheteurs selon la configuration du serveur.
overlay-words-full = Ce serveur a déjà { $max } mots ; débloques-en un d'abord.
overlay-blocked = Les noms d'acheteurs correspondant à `{ $word }` s'affichent comme « quelqu'un » sur les overlays de ce serveur.
overlay-unblocked = `{ $word }` n'est plus bloqué sur les overlays de ce serveur.

## Why the lobby, the ledger or a shop refused (each after "Refused: ")

lobby-full = le salon est complet ({ $count } pilotes)
lobby-already-joined = tu fais déjà partie des pilotes de ce salon
lobby-not-joined = tu ne fais pas partie des pilotes de ce salon
lobby-already-open = la course est déjà lancée
lobby-not-open = aucune course n'est en cours dans ce salon
lobby-guild-full = ce serveur a déjà { $count } salons non terminés ; termine d'abord une course
lobby-too-many-this-hour = ce serveur a créé { $count } salons dans la dernière heure ; réessaie plus tard
lobby-no-name-to-hide = cette course n'a aucune vente avec un nom d'acheteur à masquer
lobby-name-control = un nom de salon ne contient aucun caractère de contrôle ni de sens d'écriture
lobby-name-length = un nom de salon fait de 1 à { $max } caractères
payout-not-positive = le paiement doit être un montant positif
payout-over-available = { $requested } { $currency } dépasse le solde disponible de { $available } { $currency }
payout-below-threshold = { $requested } { $currency } est sous le seuil de paiement de { $threshold } { $currency } ; utilise forcer pour payer quand même
payout-key-reused = cette clé d'idempotence a déjà servi pour une autre demande de paiement ; rien n'a été payé
payout-bad-amount = `{ $text }` n'est pas un montant valide : { $reason }
payout-bad-method = la méthode doit être l'une de { $allowed }, pas `{ $given }`
payout-racer-no-earnings = le pilote n'a aucun gain à payer
payout-several-currencies = le pilote a des gains dans plusieurs devises ; indique laquelle avec l'option `devise`
payout-note-too-long = une note fait au plus { $max } caractères
credit-unknown-shop = aucune boutique `{ $shop }` n'émet d'avoir ici
credit-several-shops = plusieurs boutiques émettent des avoirs ici ({ $shops }) ; indique laquelle avec `boutique`
credit-manual-with-shop = un paiement manuel ne nomme pas de boutique ; retire `boutique` ou choisis un avoir ou une carte cadeau
credit-currency = la boutique `{ $shop }` émet des cartes cadeaux en { $issues } seulement, pas en { $asked }
credit-shop-unavailable = la boutique `{ $shop }` n'a pas dit dans quelle devise elle émet : { $said }
word-too-short = un mot bloqué demande au moins deux lettres ou chiffres
word-too-long = un mot bloqué fait au plus { $max } caractères
word-characters = un mot bloqué ne contient que des lettres, des chiffres, des espaces, - ' et le joker *
money-unknown-currency = devise inconnue { $code }
money-too-precise = { $amount } a plus de décimales que { $currency } n'en permet ({ $exponent })
money-not-a-number = { $text } n'est pas un montant décimal
money-out-of-range = le montant { $amount } est hors limites
money-bad-rate = le taux de commission doit être entre 0 et 1, pas { $rate }

## Options that could not be read (before any command runs)

command-unknown = Cozy-Kart n'a pas de commande /{ $command } ; tape / pour voir celles qu'il a.
command-unknown-part = /{ $command } n'a pas de partie `{ $part }` ; essaie /{ $command } créer.
command-missing = Merci de remplir : { $what }.
command-wrong-type = { $what } : il faut { $expected }.
command-bad-choice = { $value } ne fait pas partie des choix pour { $what } : { $allowed }.
command-too-long = { $what } est trop long : { $max } caractères au plus, s'il te plaît.
command-unknown-button = Ce bouton n'appartient à aucune carte de salon de Cozy-Kart.
expect-text = du texte
expect-yes-no = oui ou non
expect-member = un membre de ce serveur
option-amount = montant (un nombre décimal comme 20.00)
option-user = pilote à payer
option-rate = taux (une part de chaque vente, comme 0.20)
option-currency = devise (un code comme USD)
option-method = méthode de paiement
option-note = note
option-force = forcer
option-lobby = salon
option-name = nom du salon
option-create = que faire des salons (créer)
option-other = une option

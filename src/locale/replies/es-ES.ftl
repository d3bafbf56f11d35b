# Cozy-Kart's replies in Spanish (Spain; tuteo, as the command descriptions).
# English (en.ftl) is the source of truth: same messages, no other placeholders.

## Who may use the bot where

not-set-up = Cozy-Kart no está configurado para este servidor.
no-guild = Cozy-Kart funciona dentro de un servidor: usa sus comandos en un canal de tu servidor.
works-inside-server = Cozy-Kart funciona dentro de un servidor.
already-handled = Ese comando ya se está procesando.
server-not-answering = El servidor no responde ahora mismo; inténtalo de nuevo.
interaction-unsupported = Esta interacción no es compatible.

## Refusals shared by many commands

refused = Rechazado: { $reason }.
ledger-unavailable = El libro de cuentas no responde ahora mismo; inténtalo de nuevo.
change-unsaved = No se pudo guardar ese cambio; inténtalo de nuevo.
lobby-restarting = Esa sala se está reiniciando; inténtalo de nuevo en un momento.
lobby-unread = No se pudo buscar esa sala; inténtalo de nuevo.
lobby-no-code = No hay ninguna sala con el código `{ $code }`.
lobby-none-in-channel = No hay ninguna sala en este canal. Crea una con `/sala crear`, o indica una con la opción `sala`.
host-only-start = Solo el anfitrión de la sala o un admin puede empezar la carrera.
host-only-end = Solo el anfitrión de la sala o un admin puede terminar la carrera.
host-only-goal = Solo el anfitrión de la sala o un admin puede fijar la meta de la carrera.
host-only-overlay = Solo el anfitrión de la sala o un admin puede hacer eso con sus overlays.

## Lobbies and races

pot-empty = nada todavía
lobby-state-open = en carrera
lobby-state-idle = en espera
lobby-state-closed = cerrada
lobby-needs-channel = Las salas viven en un canal del servidor; usa `/sala crear` allí.
lobby-default-name = Sala de { $name }
lobby-not-created = No se pudo crear la sala; inténtalo de nuevo.
race-joined = { $name } se unió a { $lobby } ({ $count }/{ $max } pilotos).
race-left = { $name } salió de { $lobby }.
race-nobody-yet = nadie todavía (usa `/unirse`)
race-started = 🏁 ¡La carrera en { $lobby } está en directo! Cada venta de merch llena ahora el bote de los pilotos. Pilotos: { $racers }.
race-ended = 🏆 La carrera en { $lobby } ha terminado.
race-timed-out = ⏱️ La carrera en { $lobby } terminó sola tras { $minutes } { $minutes ->
        [one] minuto
       *[other] minutos
    }.
pot-now = Bote de los pilotos en { $lobby } ({ $state }): { $pot }.

## The lobby card

card-content = Sala { $lobby }: pulsa **{ button-join }** para correr (o `/unirse`); el anfitrión pulsa **{ button-start }** cuando empieza la carrera.
card-description = Sala `{ $code }`: { $state }
card-racing-since = 🏁 en carrera, empezó { $since }
card-racing = 🏁 en carrera
card-idle = esperando la salida
card-closed = carrera terminada; { button-start } lanza la siguiente
card-nobody = nadie todavía
card-racers = Pilotos ({ $count }/{ $max })
card-pot = Bote de los pilotos
card-overlay = Overlay
button-join = Unirse
button-leave = Salir
button-start = Inicio
button-end = Fin

## A race's summary

summary-title = Carrera terminada: { $name }
summary-lobby = Sala `{ $code }`
summary-sales = Ventas
summary-pool = Bote de los pilotos
summary-shares = Parte por piloto
summary-no-shares = ninguna venta pagó a los pilotos en esta carrera

## Wallets and the leaderboard

held-when = { $amount } estará disponible { $at }
held-when-all = { $amount } estará disponible { $at }, todo { $last }
wallet-title = Tu cartera de Cozy-Kart
wallet-empty = Aún no hay ganancias: ¡únete a una sala y corre mientras la tienda está abierta!
wallet-available = disponible **{ $amount }**
wallet-pending = pendiente { $amount }
wallet-pending-held = pendiente { $amount } ({ $held })
wallet-paid = pagado en total { $amount }
wallet-issuing = en emisión { $amount }
wallet-recent = Últimas ventas que te pagaron
wallet-recent-line = { $lobby }, { $date }: { $money } ({ $status })
wallet-lobby-unnamed = sala n.º { $id }
wallet-codes = Tus códigos de saldo de tienda
wallet-code-line = `{ $code }`: { $money } en { $shop }, { $date }
wallet-overlay = Tu overlay de piloto
allocation-pending = pendiente
allocation-available = disponible
allocation-reversed = reembolsada
leaderboard-title = Los que más ganan
leaderboard-empty = Aún no hay ganancias en este servidor. ¡Empieza una carrera!
leaderboard-line = { $rank }. { $name } — { $amount } { $currency }

## Payouts and the commission

payout-admin-only = Solo los admins (Gestionar servidor o el rol de admin) pueden pagar a los pilotos.
payout-no-earnings = { $name } no tiene ganancias que pagar.
payout-held = { $money } más está retenido: { $held }.
commission-admin-only = Solo los admins pueden cambiar la tasa de comisión.
commission-set = La tasa de comisión es ahora del { $percent } % de cada venta, desde la próxima venta en este servidor.
method-store-credit = saldo de tienda
method-gift-card = tarjeta regalo
method-manual = manual
the-shop = la tienda
no-reason = sin motivo indicado
paid-recorded = 🎉 ¡Enhorabuena, { $name }! Has recibido { $money } ({ $method }), registrado como pagado por otra vía.
paid-issued = 🎉 ¡Enhorabuena, { $name }! Has recibido { $money } como { $kind } de { $shop }: el código está en tus MD y en `/cartera`.
paid-released = No se pagó nada: { $shop } no emitió el pago en { $kind }: { $reason }. El saldo sigue igual; inténtalo más tarde.
paid-in-flight = Ese pago de { $money } aún se está emitiendo; el piloto recibirá el código por MD y en `/cartera` en cuanto responda la tienda.
credit-dm = 🎉 Tus ganancias de Cozy-Kart están listas: **{ $money }** de saldo en { $shop }.
    Tu código: `{ $code }`
    Introdúcelo al pagar. `/cartera` también muestra tus códigos.

## Cashing out

cashout-off = Cobrar por tu cuenta está desactivado en este servidor; un admin paga a los pilotos con `/pago` (o lo activa con `/pagos autoservicio:true`).
cashout-several = Tienes dinero disponible en varias monedas; indica cuál con la opción `moneda`.
cashout-nothing = Aún no tienes nada disponible para cobrar aquí.
cashout-below = Puedes cobrar a partir de { $minimum }; tienes { $available } disponible.
cashout-no-shop = Ninguna tienda emite saldo en este servidor todavía; pregunta a un admin.
payouts-admin-only = Solo los admins pueden cambiar cómo se paga a los pilotos aquí.
payouts-on-from = Los pilotos ya pueden cobrar su saldo disponible aquí con `/cobrar`, a partir de { $minimum } (o del umbral de pago, si es mayor).
payouts-on = Los pilotos ya pueden cobrar su saldo disponible aquí con `/cobrar`, a partir del umbral de pago.
payouts-off = Ahora solo los admins pueden pagar aquí (`/pago`).
payouts-no-shop = Ninguna tienda puede emitir saldo aquí todavía: dale a una sus credenciales de API (README, Going live).

## Goals

goal-bad-currency = `{ $code }` no es un código de moneda (ISO 4217, p. ej. EUR).
goal-no-currency = No hay moneda para la meta; indica una.
goal-bad-amount = La meta debe ser un importe como `50.00` en { $currency } (0 la borra).
goal-set = 🎯 Meta para { $lobby }: { $money }. El overlay muestra el camino.
goal-cleared = La meta de { $lobby } se ha borrado.

## Overlays

overlay-names-admin-only = Solo los admins pueden cambiar cómo los overlays muestran los nombres de los compradores.
overlay-test-no-currency = No hay moneda para la venta de prueba.
overlay-test-no-amount = No hay importe de ejemplo en esta moneda.
overlay-test-playing = 🧪 Una venta de prueba de { $money } se está mostrando en los overlays de { $lobby }. El bote, la meta y la lista de ventas no cambian.
overlay-hidden = El último nombre de comprador ya no aparece en ningún overlay de { $lobby }; desde ahora se muestra como «alguien».
overlay-mode-invalid = El modo es public, initials, off o default.
overlay-names-public = Los overlays de aquí muestran los nombres de los compradores tal como los dan (limpios y filtrados).
overlay-names-initials = Los overlays de aquí solo muestran las iniciales de los compradores (J. D.).
overlay-names-off = Los overlays de aquí muestran a cada comprador como «alguien».
overlay-names-default = Los overlays de aquí muestran los nombres de los compradores según la configuración del servidor.
overlay-words-full = Este servidor ya tiene { $max } palabras; desbloquea una primero.
overlay-blocked = Los nombres de compradores que coinciden con `{ $word }` se muestran como «alguien» en los overlays de este servidor.
overlay-unblocked = `{ $word }` ya no está bloqueada en los overlays de este servidor.

## Why the lobby, the ledger or a shop refused (each after "Refused: ")

lobby-full = la sala está llena ({ $count } pilotos)
lobby-already-joined = ya estás en la lista de esta sala
lobby-not-joined = no estás en la lista de esta sala
lobby-already-open = la carrera ya está en marcha
lobby-not-open = no hay ninguna carrera en marcha en esta sala
lobby-guild-full = este servidor ya tiene { $count } salas sin cerrar; termina antes una carrera
lobby-too-many-this-hour = este servidor ha creado { $count } salas en la última hora; inténtalo más tarde
lobby-no-name-to-hide = esta carrera no tiene ninguna venta con nombre de comprador que ocultar
lobby-name-control = un nombre de sala no lleva caracteres de control ni de dirección del texto
lobby-name-length = un nombre de sala tiene de 1 a { $max } caracteres
payout-not-positive = el pago debe ser un importe positivo
payout-over-available = { $requested } { $currency } supera el saldo disponible de { $available } { $currency }
payout-below-threshold = { $requested } { $currency } está por debajo del umbral de pago de { $threshold } { $currency }; usa forzar para pagar igualmente
payout-key-reused = esta clave de idempotencia ya se usó para otra solicitud de pago; no se pagó nada
payout-bad-amount = `{ $text }` no es un importe válido: { $reason }
payout-bad-method = el método debe ser uno de { $allowed }, no `{ $given }`
payout-racer-no-earnings = el piloto no tiene ganancias que pagar
payout-several-currencies = el piloto tiene ganancias en varias monedas; indica cuál con la opción `moneda`
payout-note-too-long = una nota tiene como máximo { $max } caracteres
credit-unknown-shop = no hay ninguna tienda `{ $shop }` que emita saldo aquí
credit-several-shops = varias tiendas emiten saldo aquí ({ $shops }); indica cuál con `tienda`
credit-manual-with-shop = un pago manual no indica tienda; quita `tienda` o elige saldo de tienda o una tarjeta regalo
credit-currency = la tienda `{ $shop }` emite tarjetas regalo solo en { $issues }, no en { $asked }
credit-shop-unavailable = la tienda `{ $shop }` no dijo en qué moneda emite: { $said }
word-too-short = una palabra bloqueada necesita al menos dos letras o cifras
word-too-long = una palabra bloqueada tiene como máximo { $max } caracteres
word-characters = una palabra bloqueada solo lleva letras, cifras, espacios, - ' y el comodín *
money-unknown-currency = moneda desconocida { $code }
money-too-precise = { $amount } tiene más decimales de los que permite { $currency } ({ $exponent })
money-not-a-number = { $text } no es un importe decimal
money-out-of-range = el importe { $amount } está fuera de rango
money-bad-rate = la tasa de comisión debe estar entre 0 y 1, no { $rate }

## Options that could not be read (before any command runs)

command-unknown = Cozy-Kart no tiene el comando /{ $command }; escribe / para ver los que tiene.
command-unknown-part = /{ $command } no tiene la parte `{ $part }`; prueba /{ $command } crear.
command-missing = Rellena, por favor: { $what }.
command-wrong-type = { $what }: se espera { $expected }.
command-bad-choice = { $value } no es una de las opciones de { $what }: { $allowed }.
command-too-long = { $what } es demasiado largo: como máximo { $max } caracteres, por favor.
command-unknown-button = Ese botón no es de ninguna tarjeta de sala de Cozy-Kart.
expect-text = texto
expect-yes-no = sí o no
expect-member = un miembro de este servidor
option-amount = importe (un decimal como 20.00)
option-user = piloto a pagar
option-rate = tasa (una parte de cada venta, como 0.20)
option-currency = moneda (un código como USD)
option-method = método de pago
option-note = nota
option-force = forzar
option-lobby = sala
option-name = nombre de la sala
option-create = qué hacer con las salas (crear)
option-other = una opción

# Cozy-Kart's replies in Brazilian Portuguese ("você", as the command descriptions).
# English (en.ftl) is the source of truth: same messages, no other placeholders.

## Who may use the bot where

not-set-up = O Cozy-Kart não está configurado para este servidor.
no-guild = O Cozy-Kart funciona dentro de um servidor: use os comandos dele em um canal do seu servidor.
works-inside-server = O Cozy-Kart funciona dentro de um servidor.
already-handled = Esse comando já está sendo processado.
server-not-answering = O servidor não está respondendo agora; tente de novo.
interaction-unsupported = Esta interação não é suportada.

## Refusals shared by many commands

refused = Recusado: { $reason }.
ledger-unavailable = O livro-caixa não está respondendo agora; tente de novo.
change-unsaved = Não foi possível salvar essa mudança; tente de novo.
lobby-restarting = Essa sala está reiniciando; tente de novo em um instante.
lobby-unread = Não foi possível encontrar essa sala; tente de novo.
lobby-no-code = Não existe sala com o código `{ $code }`.
lobby-none-in-channel = Não há sala neste canal. Crie uma com `/sala criar`, ou indique uma com a opção `sala`.
host-only-start = Só o anfitrião da sala ou um admin pode começar a corrida.
host-only-end = Só o anfitrião da sala ou um admin pode encerrar a corrida.
host-only-goal = Só o anfitrião da sala ou um admin pode definir a meta da corrida.
host-only-overlay = Só o anfitrião da sala ou um admin pode fazer isso com os overlays dela.

## Lobbies and races

pot-empty = nada ainda
lobby-state-open = em corrida
lobby-state-idle = aguardando
lobby-state-closed = encerrada
lobby-needs-channel = As salas ficam em um canal do servidor; use `/sala criar` lá.
lobby-default-name = Sala de { $name }
lobby-not-created = Não foi possível criar a sala; tente de novo.
race-joined = { $name } entrou em { $lobby } ({ $count }/{ $max } pilotos).
race-left = { $name } saiu de { $lobby }.
race-nobody-yet = ninguém ainda (use `/entrar`)
race-started = 🏁 A corrida em { $lobby } começou! Cada venda de merch agora enche o pote dos pilotos. Pilotos: { $racers }.
race-ended = 🏆 A corrida em { $lobby } terminou.
race-timed-out = ⏱️ A corrida em { $lobby } terminou sozinha depois de { $minutes } { $minutes ->
        [one] minuto
       *[other] minutos
    }.
pot-now = Pote dos pilotos em { $lobby } ({ $state }): { $pot }.

## The lobby card

card-content = Sala { $lobby }: aperte **{ button-join }** para correr (ou `/entrar`); o anfitrião aperta **{ button-start }** quando a corrida começa.
card-description = Sala `{ $code }`: { $state }
card-racing-since = 🏁 em corrida, começou { $since }
card-racing = 🏁 em corrida
card-idle = aguardando a largada
card-closed = corrida encerrada; { button-start } começa a próxima
card-nobody = ninguém ainda
card-racers = Pilotos ({ $count }/{ $max })
card-pot = Pote dos pilotos
card-overlay = Overlay
button-join = Entrar
button-leave = Sair
button-start = Largada
button-end = Fim

## A race's summary

summary-title = Corrida encerrada: { $name }
summary-lobby = Sala `{ $code }`
summary-sales = Vendas
summary-pool = Pote dos pilotos
summary-shares = Parte por piloto
summary-no-shares = nenhuma venda pagou os pilotos nesta corrida

## Wallets and the leaderboard

held-when = { $amount } fica disponível { $at }
held-when-all = { $amount } fica disponível { $at }, tudo { $last }
wallet-title = Sua carteira do Cozy-Kart
wallet-empty = Ainda sem ganhos: entre em uma sala e corra enquanto a loja está aberta!
wallet-available = disponível **{ $amount }**
wallet-pending = pendente { $amount }
wallet-pending-held = pendente { $amount } ({ $held })
wallet-paid = total pago { $amount }
wallet-issuing = sendo emitido { $amount }
wallet-recent = Últimas vendas que pagaram você
wallet-recent-line = { $lobby }, { $date }: { $money } ({ $status })
wallet-lobby-unnamed = sala nº { $id }
wallet-codes = Seus códigos de crédito na loja
wallet-code-line = `{ $code }`: { $money } em { $shop }, { $date }
wallet-overlay = Seu overlay de piloto
allocation-pending = pendente
allocation-available = disponível
allocation-reversed = estornada
leaderboard-title = Quem mais ganha
leaderboard-empty = Ainda não há ganhos neste servidor. Comece uma corrida!
leaderboard-line = { $rank }. { $name } — { $currency } { $amount }

## Payouts and the commission

payout-admin-only = Só admins (Gerenciar servidor ou o cargo de admin) podem pagar os pilotos.
payout-no-earnings = { $name } não tem ganhos para receber.
payout-held = Mais { $money } está retido: { $held }.
commission-admin-only = Só admins podem mudar a taxa de comissão.
commission-set = A taxa de comissão agora é { $percent } % de cada venda, a partir da próxima venda neste servidor.
method-store-credit = crédito na loja
method-gift-card = cartão-presente
method-manual = manual
the-shop = a loja
no-reason = nenhum motivo informado
paid-recorded = 🎉 Parabéns, { $name }! Você recebeu { $money } ({ $method }), registrado como pago de outra forma.
paid-issued = 🎉 Parabéns, { $name }! Você recebeu { $money } como { $kind } de { $shop }: o código está nas suas DMs e em `/carteira`.
paid-released = Nada foi pago: { $shop } não emitiu o pagamento em { $kind }: { $reason }. O saldo continua como estava; tente mais tarde.
paid-in-flight = Esse pagamento de { $money } ainda está sendo emitido; o piloto recebe o código por DM e em `/carteira` assim que a loja responder.
credit-dm = 🎉 Seus ganhos do Cozy-Kart estão prontos: **{ $money }** de crédito em { $shop }.
    Seu código: `{ $code }`
    Use-o no checkout. `/carteira` também lista seus códigos.

## Cashing out

cashout-off = Resgatar por conta própria está desativado neste servidor; um admin paga os pilotos com `/pagamento` (ou ativa com `/pagamentos autoatendimento:true`).
cashout-several = Você tem dinheiro disponível em várias moedas; diga qual com a opção `moeda`.
cashout-nothing = Você ainda não tem nada disponível para resgatar aqui.
cashout-below = Você pode resgatar a partir de { $minimum }; você tem { $available } disponível.
cashout-no-shop = Nenhuma loja emite crédito neste servidor ainda; fale com um admin.
payouts-admin-only = Só admins podem mudar como os pilotos são pagos aqui.
payouts-on-from = Os pilotos agora podem resgatar o saldo disponível aqui com `/resgatar`, a partir de { $minimum } (ou do limite de pagamento, se for maior).
payouts-on = Os pilotos agora podem resgatar o saldo disponível aqui com `/resgatar`, a partir do limite de pagamento.
payouts-off = Agora só admins pagam aqui (`/pagamento`).
payouts-no-shop = Nenhuma loja pode emitir crédito aqui ainda: dê a uma delas as credenciais de API (README, Going live).

## Goals

goal-bad-currency = `{ $code }` não é um código de moeda (ISO 4217, por ex. EUR).
goal-no-currency = Sem moeda para a meta; informe uma.
goal-bad-amount = A meta deve ser um valor como `50.00` em { $currency } (0 apaga).
goal-set = 🎯 Meta para { $lobby }: { $money }. O overlay mostra o caminho até lá.
goal-cleared = A meta de { $lobby } foi apagada.

## Overlays

overlay-names-admin-only = Só admins podem mudar como os overlays mostram os nomes dos compradores.
overlay-test-no-currency = Sem moeda para a venda de teste.
overlay-test-no-amount = Sem valor de exemplo nesta moeda.
overlay-test-playing = 🧪 Uma venda de teste de { $money } está passando nos overlays de { $lobby }. O pote, a meta e a lista de vendas não mudam.
overlay-hidden = O último nome de comprador saiu de todos os overlays de { $lobby }; a partir de agora aparece como "alguém".
overlay-mode-invalid = O modo é public, initials, off ou default.
overlay-names-public = Os overlays daqui mostram os nomes dos compradores como eles informam (limpos e filtrados).
overlay-names-initials = Os overlays daqui mostram só as iniciais dos compradores (J. D.).
overlay-names-off = Os overlays daqui mostram cada comprador como "alguém".
overlay-names-default = Os overlays daqui mostram os nomes dos compradores conforme a configuração do servidor.
overlay-words-full = Este servidor já tem { $max } palavras; desbloqueie uma antes.
overlay-blocked = Nomes de compradores que combinam com `{ $word }` aparecem como "alguém" nos overlays deste servidor.
overlay-unblocked = `{ $word }` não está mais bloqueada nos overlays deste servidor.

## Why the lobby, the ledger or a shop refused (each after "Refused: ")

lobby-full = a sala está cheia ({ $count } pilotos)
lobby-already-joined = você já está na lista desta sala
lobby-not-joined = você não está na lista desta sala
lobby-already-open = a corrida já está rolando
lobby-not-open = não há corrida rolando nesta sala
lobby-guild-full = este servidor já tem { $count } salas não encerradas; encerre uma corrida antes
lobby-too-many-this-hour = este servidor criou { $count } salas na última hora; tente mais tarde
lobby-no-name-to-hide = esta corrida não tem venda com nome de comprador para ocultar
lobby-name-control = um nome de sala não tem caracteres de controle nem de direção de texto
lobby-name-length = um nome de sala tem de 1 a { $max } caracteres
payout-not-positive = o pagamento deve ser um valor positivo
payout-over-available = { $currency } { $requested } é mais que o saldo disponível de { $currency } { $available }
payout-below-threshold = { $currency } { $requested } está abaixo do limite de pagamento de { $currency } { $threshold }; use forçar para pagar mesmo assim
payout-key-reused = esta chave de idempotência já foi usada para outro pedido de pagamento; nada foi pago
payout-bad-amount = `{ $text }` não é um valor válido: { $reason }
payout-bad-method = o método deve ser um de { $allowed }, não `{ $given }`
payout-racer-no-earnings = o piloto não tem ganhos para receber
payout-several-currencies = o piloto tem ganhos em várias moedas; diga qual com a opção `moeda`
payout-note-too-long = uma nota tem no máximo { $max } caracteres
credit-unknown-shop = não há loja `{ $shop }` que emita crédito aqui
credit-several-shops = várias lojas emitem crédito aqui ({ $shops }); diga qual com `loja`
credit-manual-with-shop = um pagamento manual não indica loja; tire `loja` ou escolha crédito na loja ou um cartão-presente
credit-currency = a loja `{ $shop }` emite cartões-presente só em { $issues }, não em { $asked }
credit-shop-unavailable = a loja `{ $shop }` não disse em que moeda emite: { $said }
word-too-short = uma palavra bloqueada precisa de pelo menos duas letras ou dígitos
word-too-long = uma palavra bloqueada tem no máximo { $max } caracteres
word-characters = uma palavra bloqueada só tem letras, dígitos, espaços, - ' e o curinga *
money-unknown-currency = moeda desconhecida { $code }
money-too-precise = { $amount } tem mais casas decimais do que { $currency } permite ({ $exponent })
money-not-a-number = { $text } não é um valor decimal
money-out-of-range = o valor { $amount } está fora do limite
money-bad-rate = a taxa de comissão deve estar entre 0 e 1, não { $rate }

## Options that could not be read (before any command runs)

command-unknown = O Cozy-Kart não tem o comando /{ $command }; digite / para ver os que ele tem.
command-unknown-part = /{ $command } não tem a parte `{ $part }`; tente /{ $command } criar.
command-missing = Preencha, por favor: { $what }.
command-wrong-type = { $what }: deve ser { $expected }.
command-bad-choice = { $value } não é uma das opções de { $what }: { $allowed }.
command-too-long = { $what } é longo demais: no máximo { $max } caracteres, por favor.
command-unknown-button = Esse botão não é de nenhum cartão de sala do Cozy-Kart.
expect-text = texto
expect-yes-no = sim ou não
expect-member = um membro deste servidor
option-amount = valor (um decimal como 20.00)
option-user = piloto a pagar
option-rate = taxa (uma parte de cada venda, como 0.20)
option-currency = moeda (um código como USD)
option-method = método de pagamento
option-note = nota
option-force = forçar
option-lobby = sala
option-name = nome da sala
option-create = o que fazer com as salas (criar)
option-other = uma opção

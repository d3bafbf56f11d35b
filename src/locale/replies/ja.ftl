# Cozy-Kart's replies in Japanese (です・ます調).
# English (en.ftl) is the source of truth: same messages, no other placeholders.

## Who may use the bot where

not-set-up = このサーバーでは Cozy-Kart が設定されていません。
no-guild = Cozy-Kart はサーバー内で使います。サーバーのチャンネルでコマンドを実行してください。
works-inside-server = Cozy-Kart はサーバー内で使います。
already-handled = そのコマンドはすでに処理中です。
server-not-answering = 現在サーバーが応答していません。もう一度お試しください。
interaction-unsupported = この操作には対応していません。

## Refusals shared by many commands

refused = できません：{ $reason }。
ledger-unavailable = 現在、台帳が応答していません。もう一度お試しください。
change-unsaved = 変更を保存できませんでした。もう一度お試しください。
lobby-restarting = そのロビーは再起動中です。少し待ってからお試しください。
lobby-unread = ロビーを検索できませんでした。もう一度お試しください。
lobby-no-code = コード `{ $code }` のロビーはありません。
lobby-none-in-channel = このチャンネルにはロビーがありません。`/ロビー 作成` で作るか、`ロビー` オプションで指定してください。
host-only-start = レースを開始できるのはロビーのホストか管理者だけです。
host-only-end = レースを終了できるのはロビーのホストか管理者だけです。
host-only-goal = レースの目標を設定できるのはロビーのホストか管理者だけです。
host-only-overlay = オーバーレイを操作できるのはロビーのホストか管理者だけです。

## Lobbies and races

pot-empty = まだありません
lobby-state-open = レース中
lobby-state-idle = 待機中
lobby-state-closed = 終了
lobby-needs-channel = ロビーはサーバーのチャンネルに作られます。そのチャンネルで `/ロビー 作成` を実行してください。
lobby-default-name = { $name } のロビー
lobby-not-created = ロビーを作成できませんでした。もう一度お試しください。
race-joined = { $name } さんが { $lobby } に参加しました（レーサー { $count }/{ $max } 人）。
race-left = { $name } さんが { $lobby } から退出しました。
race-nobody-yet = まだ誰もいません（`/参加` で参加）
race-started = 🏁 { $lobby } のレースが始まりました！これからはグッズが売れるたびにレーサーの賞金が増えます。レーサー：{ $racers }。
race-ended = 🏆 { $lobby } のレースが終わりました。
race-timed-out = ⏱️ { $lobby } のレースは { $minutes } 分が過ぎたため自動で終了しました。
pot-now = { $lobby }（{ $state }）のレーサー賞金：{ $pot }。

## The lobby card

card-content = ロビー { $lobby }：レースに出るには **{ button-join }** を押してください（または `/参加`）。レースが始まったらホストが **{ button-start }** を押します。
card-description = ロビー `{ $code }`：{ $state }
card-racing-since = 🏁 レース中（{ $since }に開始）
card-racing = 🏁 レース中
card-idle = スタート待ち
card-closed = レース終了。{ button-start } で次のレースを始めます
card-nobody = まだ誰もいません
card-racers = レーサー（{ $count }/{ $max }）
card-pot = レーサー賞金
card-overlay = オーバーレイ
button-join = 参加
button-leave = 退出
button-start = 開始
button-end = 終了

## A race's summary

summary-title = レース終了：{ $name }
summary-lobby = ロビー `{ $code }`
summary-sales = 売上件数
summary-pool = レーサー賞金プール
summary-shares = レーサーごとの取り分
summary-no-shares = このレースではレーサーに支払われた売上はありません

## Wallets and the leaderboard

held-when = { $amount } は { $at } に利用可能になります
held-when-all = { $amount } は { $at } に利用可能になり、全額は { $last } です
wallet-title = あなたの Cozy-Kart ウォレット
wallet-empty = まだ収入はありません。ショップが開いている間にロビーに参加してレースしましょう！
wallet-available = 利用可能 **{ $amount }**
wallet-pending = 保留中 { $amount }
wallet-pending-held = 保留中 { $amount }（{ $held }）
wallet-paid = 累計支払額 { $amount }
wallet-issuing = 発行中 { $amount }
wallet-recent = あなたに支払われた最近の売上
wallet-recent-line = { $lobby }、{ $date }：{ $money }（{ $status }）
wallet-lobby-unnamed = ロビー #{ $id }
wallet-codes = あなたのストアクレジットコード
wallet-code-line = `{ $code }`：{ $shop } の { $money }、{ $date }
wallet-overlay = あなたのレーサー用オーバーレイ
allocation-pending = 保留中
allocation-available = 利用可能
allocation-reversed = 返金済み
leaderboard-title = 高収入ランキング
leaderboard-empty = このサーバーにはまだ収入がありません。レースを始めましょう！
leaderboard-line = { $rank }. { $name } — { $currency } { $amount }

## Payouts and the commission

payout-admin-only = レーサーに支払えるのは管理者（サーバー管理権限または管理者ロール）だけです。
payout-no-earnings = { $name } さんには支払える収入がありません。
payout-held = さらに { $money } が保留中です：{ $held }。
commission-admin-only = 手数料率を変更できるのは管理者だけです。
commission-set = 手数料率は各売上の { $percent } % になりました。このサーバーの次の売上から適用されます。
method-store-credit = ストアクレジット
method-gift-card = ギフトカード
method-manual = 手動
the-shop = ショップ
no-reason = 理由の説明なし
paid-recorded = 🎉 おめでとうございます、{ $name } さん！{ $money } が支払われました（{ $method }、他の手段での支払いとして記録）。
paid-issued = 🎉 おめでとうございます、{ $name } さん！{ $shop } の{ $kind }で { $money } が支払われました。コードは DM と `/ウォレット` にあります。
paid-released = 支払いは行われませんでした：{ $shop } が{ $kind }を発行しませんでした（{ $reason }）。残高は元のままです。後でもう一度お試しください。
paid-in-flight = { $money } の支払いはまだ発行中です。ショップが応答したら、レーサーには DM と `/ウォレット` でコードが届きます。
credit-dm = 🎉 Cozy-Kart の収入の準備ができました：{ $shop } のストアクレジット **{ $money }**。
    あなたのコード：`{ $code }`
    購入手続きの際に入力してください。`/ウォレット` でもコードを確認できます。

## Cashing out

cashout-off = このサーバーでは自分での換金はオフです。管理者が `/支払い` で支払います（`/支払い設定 セルフ換金:true` でオンにできます）。
cashout-several = 複数の通貨で利用可能な残高があります。`通貨` オプションでどれかを指定してください。
cashout-nothing = ここで換金できる残高はまだありません。
cashout-below = 換金できるのは { $minimum } からです。現在の利用可能残高は { $available } です。
cashout-no-shop = このサーバーではまだストアクレジットを発行するショップがありません。管理者に相談してください。
payouts-admin-only = ここでのレーサーへの支払い方法を変更できるのは管理者だけです。
payouts-on-from = レーサーはここで `/換金` により利用可能残高を換金できるようになりました（{ $minimum } から。支払い基準額の方が高い場合はそちら）。
payouts-on = レーサーはここで `/換金` により利用可能残高を換金できるようになりました（支払い基準額から）。
payouts-off = ここでの換金は管理者のみになりました（`/支払い`）。
payouts-no-shop = ここではまだストアクレジットを発行できるショップがありません。ショップに API の認証情報を設定してください（README、Going live）。

## Goals

goal-bad-currency = `{ $code }` は通貨コードではありません（ISO 4217、例：EUR）。
goal-no-currency = 目標の通貨がありません。通貨を指定してください。
goal-bad-amount = 目標は { $currency } で `50.00` のような金額にしてください（0 で解除）。
goal-set = 🎯 { $lobby } の目標：{ $money }。オーバーレイに進み具合が表示されます。
goal-cleared = { $lobby } の目標を解除しました。

## Overlays

overlay-names-admin-only = オーバーレイでの購入者名の表示方法を変更できるのは管理者だけです。
overlay-test-no-currency = テスト売上の通貨がありません。
overlay-test-no-amount = この通貨には見本の金額がありません。
overlay-test-playing = 🧪 { $lobby } のオーバーレイで { $money } のテスト売上を再生中です。賞金・目標・売上リストは変わりません。
overlay-hidden = 最新の購入者名を { $lobby } のすべてのオーバーレイから消しました。今後は「誰か」と表示されます。
overlay-mode-invalid = モードは public、initials、off、default のいずれかです。
overlay-names-public = ここのオーバーレイは購入者名を入力どおりに表示します（整形・フィルター済み）。
overlay-names-initials = ここのオーバーレイは購入者のイニシャルだけを表示します（J. D.）。
overlay-names-off = ここのオーバーレイはすべての購入者を「誰か」と表示します。
overlay-names-default = ここのオーバーレイはサーバーの設定どおりに購入者名を表示します。
overlay-words-full = このサーバーにはすでに { $max } 語あります。先にどれかのブロックを解除してください。
overlay-blocked = `{ $word }` に一致する購入者名は、このサーバーのオーバーレイで「誰か」と表示されます。
overlay-unblocked = `{ $word }` はこのサーバーのオーバーレイでブロックされなくなりました。

## Why the lobby, the ledger or a shop refused (each after "Refused: ")

lobby-full = ロビーは満員です（{ $count } 人）
lobby-already-joined = すでにこのロビーのメンバーです
lobby-not-joined = このロビーのメンバーではありません
lobby-already-open = レースはすでに始まっています
lobby-not-open = このロビーではレースが行われていません
lobby-guild-full = このサーバーには終了していないロビーがすでに { $count } 個あります。先にレースを終了してください
lobby-too-many-this-hour = このサーバーでは直近 1 時間に { $count } 個のロビーが作成されました。後でもう一度お試しください
lobby-no-name-to-hide = このレースには隠す購入者名のある売上がありません
lobby-name-control = ロビー名に制御文字や文字方向の指定文字は使えません
lobby-name-length = ロビー名は 1〜{ $max } 文字です
payout-not-positive = 支払額は正の金額にしてください
payout-over-available = { $currency } { $requested } は利用可能残高 { $currency } { $available } を超えています
payout-below-threshold = { $currency } { $requested } は支払い基準額 { $currency } { $threshold } を下回っています。それでも支払うには「強制」を指定してください
payout-key-reused = この冪等キーは別の支払いリクエストで使用済みです。何も支払われていません
payout-bad-amount = `{ $text }` は有効な金額ではありません：{ $reason }
payout-bad-method = 方法は { $allowed } のいずれかにしてください（`{ $given }` ではなく）
payout-racer-no-earnings = このレーサーには支払える収入がありません
payout-several-currencies = このレーサーには複数の通貨の収入があります。`通貨` オプションで指定してください
payout-note-too-long = メモは最大 { $max } 文字です
credit-unknown-shop = ここでストアクレジットを発行するショップ `{ $shop }` はありません
credit-several-shops = ここでは複数のショップがストアクレジットを発行します（{ $shops }）。`ショップ` で指定してください
credit-manual-with-shop = 手動の支払いにショップは指定しません。`ショップ` を外すか、ストアクレジットかギフトカードを選んでください
credit-currency = ショップ `{ $shop }` のギフトカードは { $issues } のみで、{ $asked } では発行できません
credit-shop-unavailable = ショップ `{ $shop }` が発行通貨を返しませんでした：{ $said }
word-too-short = ブロックする語には英数字が 2 文字以上必要です
word-too-long = ブロックする語は最大 { $max } 文字です
word-characters = ブロックする語に使えるのは文字・数字・スペース・- ' とワイルドカード * だけです
money-unknown-currency = 不明な通貨 { $code }
money-too-precise = { $amount } は { $currency } で使える小数点以下の桁数（{ $exponent }）を超えています
money-not-a-number = { $text } は数値の金額ではありません
money-out-of-range = 金額 { $amount } は範囲外です
money-bad-rate = 手数料率は 0 から 1 の間にしてください（{ $rate } ではなく）

## Options that could not be read (before any command runs)

command-unknown = Cozy-Kart に /{ $command } コマンドはありません。/ を入力するとコマンドの一覧が表示されます。
command-unknown-part = /{ $command } に `{ $part }` はありません。/{ $command } 作成 をお試しください。
command-missing = { $what }を入力してください。
command-wrong-type = { $what }は{ $expected }で指定してください。
command-bad-choice = { $value } は{ $what }の選択肢にありません：{ $allowed }。
command-too-long = { $what }が長すぎます。最大 { $max } 文字にしてください。
command-unknown-button = そのボタンは Cozy-Kart のロビーカードのものではありません。
expect-text = テキスト
expect-yes-no = はい／いいえ
expect-member = このサーバーのメンバー
option-amount = 金額（20.00 のような小数）
option-user = 支払い先のレーサー
option-rate = 率（各売上の割合、例：0.20）
option-currency = 通貨（USD のようなコード）
option-method = 支払い方法
option-note = メモ
option-force = 強制
option-lobby = ロビー
option-name = ロビー名
option-create = ロビーの操作（作成）
option-other = オプション

//! Money as each locale writes it: its decimal separator and digit grouping, and
//! where the currency code goes (CLDR's conventions). The digits are the amount's
//! own, exact to the currency's minor unit; nothing passes through a float.

use rust_decimal::Decimal;

use crate::money::Money;

use super::Locale;

/// How one locale writes an amount.
struct Convention {
    decimal: char,
    group: char,
    /// Digits the integer part needs beyond three before it is grouped: 1 groups
    /// `1.234`, 2 groups only from `12.345` (CLDR's minimum grouping digits).
    min_grouping: usize,
    /// `USD 1,234.56` rather than `1.234,56 USD`.
    code_first: bool,
}

fn convention(locale: Locale) -> Convention {
    let (decimal, group, min_grouping, code_first) = match locale {
        // English groups from five digits: the replies showed `2000 JPY` before
        // they were localised, and amounts are typed that way into the options.
        Locale::En => ('.', ',', 2, true),
        Locale::De => (',', '.', 1, false),
        // A narrow no-break space, as CLDR writes French thousands.
        Locale::Fr => (',', '\u{202f}', 1, false),
        Locale::EsEs => (',', '.', 2, false),
        Locale::PtBr => (',', '.', 1, true),
        Locale::Ja => ('.', ',', 1, true),
    };
    Convention {
        decimal,
        group,
        min_grouping,
        code_first,
    }
}

impl Locale {
    /// The amount alone, as this locale writes it: `1.234,56` in German.
    pub fn amount(self, money: Money) -> String {
        self.decimal(money.amount())
    }

    /// A decimal number (a percentage, an amount) as this locale writes it,
    /// every digit kept.
    pub fn decimal(self, number: Decimal) -> String {
        let convention = convention(self);
        let digits = number.to_string();
        let (sign, digits) = match digits.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", digits.as_str()),
        };
        let (whole, fraction) = match digits.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (digits, None),
        };
        let mut text = String::with_capacity(digits.len() + 8);
        text.push_str(sign);
        let grouped = whole.len() >= 4 + convention.min_grouping - 1;
        for (i, digit) in whole.chars().enumerate() {
            let left = whole.len() - i;
            if grouped && i > 0 && left % 3 == 0 {
                text.push(convention.group);
            }
            text.push(digit);
        }
        if let Some(fraction) = fraction {
            text.push(convention.decimal);
            text.push_str(fraction);
        }
        text
    }

    /// The amount with its currency's code where this locale puts it:
    /// `USD 5.00` in English, `5,00 USD` in German.
    pub fn money(self, money: Money) -> String {
        let (code, amount) = (money.currency().code(), self.amount(money));
        if convention(self).code_first {
            format!("{code} {amount}")
        } else {
            format!("{amount} {code}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn money(amount: &str, code: &str) -> Money {
        Money::parse(amount, Currency::parse(code).unwrap()).unwrap()
    }

    #[test]
    fn each_locale_writes_money_its_own_way_to_the_minor_unit() {
        let usd = money("1234.56", "USD");
        let jpy = money("600", "JPY");
        let kwd = money("1.234", "KWD");
        let cases = [
            (Locale::En, ["USD 1234.56", "JPY 600", "KWD 1.234"]),
            (Locale::De, ["1.234,56 USD", "600 JPY", "1,234 KWD"]),
            (Locale::Fr, ["1\u{202f}234,56 USD", "600 JPY", "1,234 KWD"]),
            (Locale::EsEs, ["1234,56 USD", "600 JPY", "1,234 KWD"]),
            (Locale::PtBr, ["USD 1.234,56", "JPY 600", "KWD 1,234"]),
            (Locale::Ja, ["USD 1,234.56", "JPY 600", "KWD 1.234"]),
        ];
        for (locale, expected) in cases {
            let written = [usd, jpy, kwd].map(|m| locale.money(m));
            assert_eq!(written, expected, "{locale:?}");
        }
    }

    #[test]
    fn long_amounts_are_grouped_and_keep_every_digit() {
        let big = money("1234567.891", "KWD");
        assert_eq!(Locale::En.money(big), "KWD 1,234,567.891");
        assert_eq!(Locale::De.money(big), "1.234.567,891 KWD");
        assert_eq!(Locale::Ja.amount(money("12345", "JPY")), "12,345");
        assert_eq!(Locale::En.amount(money("12345", "JPY")), "12,345");
        assert_eq!(Locale::EsEs.amount(money("12345.60", "EUR")), "12.345,60");
        assert_eq!(Locale::En.amount(money("0.00", "USD")), "0.00");
        assert_eq!(Locale::De.amount(money("-1234.50", "EUR")), "-1.234,50");
        assert_eq!(Locale::En.amount(money("100", "JPY")), "100");
    }
}

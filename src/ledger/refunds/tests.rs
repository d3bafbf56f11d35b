use super::*;

fn money(minor: i64, code: &str) -> Money {
    Money::from_minor(minor, Currency::parse(code).unwrap()).unwrap()
}

/// What each allocation of `allocations` has given back, in minor units, after
/// the refunded part of a sale of `sale` rose to each of `refunds` in turn.
fn reverse(allocations: &[i64], sale: i64, refunds: &[i64], code: &str) -> Vec<i64> {
    let mut reversed = vec![0; allocations.len()];
    for &refunded in refunds {
        for (amount, reversed) in allocations.iter().zip(reversed.iter_mut()) {
            let target = reversed_after(
                money(*amount, code),
                money(*reversed, code),
                money(refunded, code),
                money(sale, code),
            );
            let by_proportion =
                money(*amount, code).proportion(money(refunded, code), money(sale, code));
            match target {
                Some(target) => {
                    assert_eq!(target, by_proportion, "the reversal is Money::proportion");
                    *reversed = target.minor();
                }
                None => assert!(by_proportion.minor() <= *reversed),
            }
        }
    }
    reversed
}

#[test]
fn partial_refund_of_an_odd_amount_split_three_ways_rounds_each_share_toward_zero() {
    // 10.01 USD sold, a pool of 2.00 split 0.67 / 0.67 / 0.66, 3.33 refunded:
    // 67 x 333 / 1001 = 22.29 and 66 x 333 / 1001 = 21.96 cents.
    assert_eq!(
        reverse(&[67, 67, 66], 1001, &[333], "USD"),
        vec![22, 22, 21]
    );
}

#[test]
fn full_refund_after_a_partial_one_reverses_every_allocation_whole() {
    assert_eq!(
        reverse(&[67, 67, 66], 1001, &[333, 1001], "USD"),
        vec![67, 67, 66]
    );
    assert_eq!(
        reverse(&[34, 33, 33], 777, &[1, 389, 777], "USD"),
        vec![34, 33, 33]
    );
}

#[test]
fn a_refund_that_does_not_grow_gives_nothing_more_back() {
    assert_eq!(
        reverse(&[67, 67, 66], 1001, &[500, 500], "USD"),
        vec![33, 33, 32]
    );
    let again = reversed_after(
        money(67, "USD"),
        money(33, "USD"),
        money(500, "USD"),
        money(1001, "USD"),
    );
    assert_eq!(again, None);
}

#[test]
fn reversal_keeps_the_minor_unit_of_zero_and_three_digit_currencies() {
    // 3,301 yen sold, 660 pooled among three; 1,001 yen refunded.
    assert_eq!(
        reverse(&[220, 220, 220], 3301, &[1001], "JPY"),
        vec![66, 66, 66]
    );
    // 12.345 KWD sold, 2.469 pooled 0.823 each; 6.172 KWD refunded.
    assert_eq!(
        reverse(&[823, 823, 823], 12345, &[6172], "KWD"),
        vec![411, 411, 411]
    );
}

//! Ed25519 verification of requests to the HTTP interactions endpoint. Discord signs
//! the `X-Signature-Timestamp` header followed by the raw body; anything that does not
//! verify (including Discord's own deliberate bad-signature probes) is answered 401.
//! A signed request is also refused when its timestamp is too far from now, so that a
//! captured request cannot be replayed later.

use std::fmt;

use chrono::{DateTime, Utc};
use serenity::interactions_endpoint::Verifier;

/// How far a signed `X-Signature-Timestamp` may be from the server's clock, either
/// way, before the request is refused as stale: Discord answers within seconds, and
/// five minutes leaves room for clock drift without letting a capture be replayed
/// for long.
pub const TIMESTAMP_TOLERANCE_SECONDS: u64 = 300;

/// Why a public key or a request was refused. Every request error means HTTP 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("application public key must be 64 hex digits, got {0} characters")]
    KeyLength(usize),
    #[error("application public key is not hexadecimal")]
    KeyNotHex,
    #[error("application public key is not a valid Ed25519 key")]
    KeyInvalid,
    #[error("missing X-Signature-Ed25519 header")]
    MissingSignature,
    #[error("missing X-Signature-Timestamp header")]
    MissingTimestamp,
    #[error("X-Signature-Ed25519 is not 128 hex digits")]
    MalformedSignature,
    #[error("signature does not match the request")]
    BadSignature,
    #[error("X-Signature-Timestamp is not a unix time in seconds")]
    TimestampNotSeconds,
    #[error(
        "X-Signature-Timestamp is {seconds} s from the server's clock (at most {TIMESTAMP_TOLERANCE_SECONDS} s allowed)"
    )]
    StaleTimestamp { seconds: u64 },
}

impl VerifyError {
    /// Machine-readable code for the endpoint's 401 answer (a key error never
    /// reaches a request: start-up refuses the key).
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::TimestampNotSeconds | VerifyError::StaleTimestamp { .. } => {
                "stale_timestamp"
            }
            VerifyError::KeyLength(_)
            | VerifyError::KeyNotHex
            | VerifyError::KeyInvalid
            | VerifyError::MissingSignature
            | VerifyError::MissingTimestamp
            | VerifyError::MalformedSignature
            | VerifyError::BadSignature => "bad_signature",
        }
    }
}

/// Checks that a signed timestamp (unix seconds, digits only) is within
/// [`TIMESTAMP_TOLERANCE_SECONDS`] of `now`, in the past or the future.
pub fn check_fresh(timestamp: &str, now: DateTime<Utc>) -> Result<(), VerifyError> {
    let digits = !timestamp.is_empty() && timestamp.bytes().all(|b| b.is_ascii_digit());
    let seconds: i64 = match digits.then(|| timestamp.parse()) {
        Some(Ok(seconds)) => seconds,
        _ => return Err(VerifyError::TimestampNotSeconds),
    };
    let apart = seconds.abs_diff(now.timestamp());
    if apart > TIMESTAMP_TOLERANCE_SECONDS {
        return Err(VerifyError::StaleTimestamp { seconds: apart });
    }
    Ok(())
}

/// Checks interaction requests against the application's public key.
#[derive(Clone)]
pub struct InteractionVerifier {
    inner: Verifier,
}

impl InteractionVerifier {
    /// Builds a verifier from the public key shown in the Discord developer portal.
    /// serenity's own `Verifier::new` panics on a bad key; this reports it instead.
    pub fn new(public_key_hex: &str) -> Result<Self, VerifyError> {
        let text = public_key_hex.trim();
        if text.len() != 64 {
            return Err(VerifyError::KeyLength(text.len()));
        }
        let mut key = [0u8; 32];
        hex::decode_to_slice(text, &mut key).map_err(|_| VerifyError::KeyNotHex)?;
        let inner = Verifier::try_new(key).map_err(|_| VerifyError::KeyInvalid)?;
        Ok(InteractionVerifier { inner })
    }

    /// Verifies the two signature headers (as received, `None` when absent) against
    /// the exact request bytes.
    pub fn verify(
        &self,
        signature_hex: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
    ) -> Result<(), VerifyError> {
        let signature = signature_hex.ok_or(VerifyError::MissingSignature)?;
        let timestamp = timestamp.ok_or(VerifyError::MissingTimestamp)?;
        if timestamp.is_empty() {
            return Err(VerifyError::MissingTimestamp);
        }
        // serenity folds every failure into `()`; tell malformed from wrong first.
        let well_formed =
            signature.len() == 128 && signature.bytes().all(|b| b.is_ascii_hexdigit());
        if !well_formed {
            return Err(VerifyError::MalformedSignature);
        }
        self.inner
            .verify(signature, timestamp, body)
            .map_err(|()| VerifyError::BadSignature)
    }

    /// [`verify`](Self::verify), then [`check_fresh`] against `now`: what the
    /// endpoint requires before it runs anything. The signature comes first so that
    /// an unsigned request never learns anything about the clock.
    pub fn verify_fresh(
        &self,
        signature_hex: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), VerifyError> {
        self.verify(signature_hex, timestamp, body)?;
        check_fresh(timestamp.unwrap_or_default(), now)
    }
}

impl fmt::Debug for InteractionVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InteractionVerifier")
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::fixtures::{self, sign_for_tests};

    fn verifier() -> InteractionVerifier {
        InteractionVerifier::new(&fixtures::public_key_hex()).unwrap()
    }

    fn body(file: &str) -> &'static [u8] {
        fixtures::ALL.iter().find(|(f, _)| *f == file).unwrap().1
    }

    #[test]
    fn every_fixture_vector_verifies() {
        let v = verifier();
        let vectors = fixtures::vectors();
        assert_eq!(vectors.len(), fixtures::ALL.len());
        for (file, ts, sig) in &vectors {
            assert_eq!(v.verify(Some(sig), Some(ts), body(file)), Ok(()), "{file}");
        }
    }

    #[test]
    fn tampering_fails() {
        let v = verifier();
        for (file, ts, sig) in fixtures::vectors() {
            let mut flipped = body(&file).to_vec();
            let mid = flipped.len() / 2;
            flipped[mid] ^= 0x01;
            assert_eq!(
                v.verify(Some(&sig), Some(&ts), &flipped),
                Err(VerifyError::BadSignature)
            );
            assert_eq!(
                v.verify(Some(&sig), Some("1760000201"), body(&file)),
                Err(VerifyError::BadSignature)
            );
            // The newline at the end of the file is part of what was signed.
            let trimmed = body(&file).strip_suffix(b"\n").unwrap();
            assert!(v.verify(Some(&sig), Some(&ts), trimmed).is_err());
        }
    }

    #[test]
    fn missing_or_malformed_headers_fail() {
        let v = verifier();
        let (file, ts, sig) = fixtures::vectors().remove(0);
        let b = body(&file);
        assert_eq!(
            v.verify(None, Some(&ts), b),
            Err(VerifyError::MissingSignature)
        );
        assert_eq!(
            v.verify(Some(&sig), None, b),
            Err(VerifyError::MissingTimestamp)
        );
        assert_eq!(
            v.verify(Some(&sig), Some(""), b),
            Err(VerifyError::MissingTimestamp)
        );
        let not_hex = format!("zz{}", &sig[2..]);
        assert_eq!(
            v.verify(Some(&not_hex), Some(&ts), b),
            Err(VerifyError::MalformedSignature)
        );
        assert_eq!(
            v.verify(Some(&sig[2..]), Some(&ts), b),
            Err(VerifyError::MalformedSignature)
        );
        assert_eq!(
            v.verify(Some(""), Some(&ts), b),
            Err(VerifyError::MalformedSignature)
        );
        let wrong = "0".repeat(128);
        assert_eq!(
            v.verify(Some(&wrong), Some(&ts), b),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn another_key_rejects_the_fixtures() {
        // Any valid key other than the fixture's: here the Ed25519 base point.
        let other = InteractionVerifier::new(
            "5866666666666666666666666666666666666666666666666666666666666666",
        )
        .unwrap();
        for (file, ts, sig) in fixtures::vectors() {
            assert_eq!(
                other.verify(Some(&sig), Some(&ts), body(&file)),
                Err(VerifyError::BadSignature)
            );
        }
    }

    #[test]
    fn bad_public_keys_are_named() {
        assert_eq!(
            InteractionVerifier::new("abcd").unwrap_err(),
            VerifyError::KeyLength(4)
        );
        let not_hex = "g".repeat(64);
        assert_eq!(
            InteractionVerifier::new(&not_hex).unwrap_err(),
            VerifyError::KeyNotHex
        );
        let msg = InteractionVerifier::new("").unwrap_err().to_string();
        assert!(msg.contains("64 hex digits"), "{msg}");
        // y = 2 is not the y-coordinate of any point on the curve.
        let off_curve = format!("02{}", "0".repeat(62));
        assert_eq!(
            InteractionVerifier::new(&off_curve).unwrap_err(),
            VerifyError::KeyInvalid
        );
        let padded = format!("  {}\n", fixtures::public_key_hex());
        assert!(InteractionVerifier::new(&padded).is_ok());
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn fixtures_are_fresh_only_within_five_minutes_either_way() {
        let v = verifier();
        for (file, ts, sig) in fixtures::vectors() {
            let signed: i64 = ts.parse().unwrap();
            let fresh = |now| v.verify_fresh(Some(&sig), Some(&ts), body(&file), at(now));
            for now in [signed, signed - 300, signed + 300] {
                assert_eq!(fresh(now), Ok(()), "{file} at {now}");
            }
            // Signed 301 s before the server's clock (a replay), or after (a future stamp).
            for now in [signed + 301, signed - 301] {
                let error = fresh(now).unwrap_err();
                assert_eq!(error, VerifyError::StaleTimestamp { seconds: 301 });
                assert_eq!(error.code(), "stale_timestamp");
            }
            assert!(fresh(signed + 86_400).is_err());
        }
    }

    #[test]
    fn the_signature_is_checked_before_the_clock() {
        let v = verifier();
        let (file, ts, _) = fixtures::vectors().remove(0);
        let wrong = "0".repeat(128);
        let stale = at(0);
        let error = v
            .verify_fresh(Some(&wrong), Some(&ts), body(&file), stale)
            .unwrap_err();
        assert_eq!(error, VerifyError::BadSignature);
        assert_eq!(error.code(), "bad_signature");
        assert_eq!(
            v.verify_fresh(None, None, body(&file), stale),
            Err(VerifyError::MissingSignature)
        );
    }

    #[test]
    fn timestamps_must_be_plain_unix_seconds() {
        let now = at(1_760_000_200);
        assert_eq!(check_fresh("1760000200", now), Ok(()));
        for text in [
            "",
            " 1760000200",
            "1760000200 ",
            "+1760000200",
            "-1760000200",
            "1760000200.0",
            "1760000200000000000000",
            "\u{0661}760000200",
        ] {
            assert_eq!(
                check_fresh(text, now),
                Err(VerifyError::TimestampNotSeconds),
                "{text:?}"
            );
        }
        // Far from now in either direction, without overflowing.
        assert!(matches!(
            check_fresh(&i64::MAX.to_string(), now),
            Err(VerifyError::StaleTimestamp { .. })
        ));
        assert!(matches!(
            check_fresh("0", now),
            Err(VerifyError::StaleTimestamp {
                seconds: 1_760_000_200
            })
        ));
        // Leading zeros are still digits (Discord never sends them, but they are signed).
        assert_eq!(check_fresh("01760000200", now), Ok(()));
        assert_eq!(VerifyError::TimestampNotSeconds.code(), "stale_timestamp");
    }

    #[test]
    fn edited_and_resigned_body_verifies() {
        let v = verifier();
        let mut json = fixtures::json(fixtures::JOIN);
        json["data"]["name"] = "leave".into();
        let edited = serde_json::to_vec(&json).unwrap();
        let sig = sign_for_tests("1760000300", &edited);
        assert_eq!(v.verify(Some(&sig), Some("1760000300"), &edited), Ok(()));
        // The old signature does not cover the edit.
        let (_, ts, old) = fixtures::vectors()
            .into_iter()
            .find(|(f, ..)| f == "join.json")
            .unwrap();
        assert_eq!(
            v.verify(Some(&old), Some(&ts), &edited),
            Err(VerifyError::BadSignature)
        );
        // The helper reproduces the recorded vectors exactly (Ed25519 is deterministic).
        assert_eq!(sign_for_tests(&ts, fixtures::JOIN), old);
    }
}

//! `Stripe-Signature`: the README's worked example, the recorded vectors, rotation,
//! and malformed headers.

use super::*;

#[test]
fn readme_worked_example() {
    let body = br#"{"id":"evt_test_demo","object":"event","type":"checkout.session.completed"}"#;
    let v1 = "a1ef490f3abe3852a19f1624cc0e6aa7466444fa4349b953f2a20079023e6cfd";
    let secret = vec!["whsec_test_CozyKartDemo".to_string()];
    let header = format!("t=1760000000,v1={v1}");
    assert_eq!(signature_header(&secret[0], 1760000000, body), header);
    assert_eq!(
        verify_signature(body, Some(&header), &secret, at(1760000000), 300),
        Ok(())
    );

    let mut with_newline = body.to_vec();
    with_newline.push(b'\n');
    let nl = "t=1760000000,v1=dbe5c35501e1ef788d62dd035db5c3faa4e7df848f76081b1e5ec5399595cc49";
    assert_eq!(signature_header(&secret[0], 1760000000, &with_newline), nl);
    assert!(verify_signature(&with_newline, Some(&header), &secret, at(1760000000), 300).is_err());

    let old = "495f9534eaefa495985e0de489715cbd72382a343133dc4f91339cba0c072ae0";
    let rotating = format!("t=1760000000,v1={v1},v1={old}");
    let only_old = vec!["whsec_test_CozyKartDemoOld".to_string()];
    assert_eq!(
        verify_signature(body, Some(&rotating), &only_old, at(1760000000), 300),
        Ok(())
    );
}

#[test]
fn signature_header_writes_the_recorded_vectors_and_verifies() {
    let v = vectors();
    let secret = secrets(&["endpoint_secret"]);
    for vector in v["vectors"].as_array().unwrap() {
        let body = fixture(vector["file"].as_str().unwrap());
        let t = vector["signed_at"].as_i64().unwrap();
        let header = signature_header(&secret[0], t, body);
        assert_eq!(Some(header.as_str()), vector["stripe_signature"].as_str());
        assert_eq!(
            verify_signature(body, Some(&header), &secret, at(t), 300),
            Ok(())
        );
        let other = signature_header("whsec_test_SomeOtherEndpoint", t, body);
        let err = verify_signature(body, Some(&other), &secret, at(t), 300).unwrap_err();
        assert_eq!(err.code(), "bad_signature");
    }
}

#[test]
fn every_vector_verifies_inside_the_window_only() {
    let v = vectors();
    let secret = secrets(&["endpoint_secret"]);
    for vector in v["vectors"].as_array().unwrap() {
        let body = fixture(vector["file"].as_str().unwrap());
        assert_eq!(body.len() as u64, vector["body_len"].as_u64().unwrap());
        let header = vector["stripe_signature"].as_str();
        let t = vector["signed_at"].as_i64().unwrap();
        for now in [t, t + 300, t - 300] {
            assert_eq!(
                verify_signature(body, header, &secret, at(now), 300),
                Ok(())
            );
        }
        for now in [t + 301, t - 301] {
            let err = verify_signature(body, header, &secret, at(now), 300);
            assert_eq!(err, Err(WebhookError::StaleTimestamp));
        }
        let rotated = secrets(&["previous_endpoint_secret", "endpoint_secret"]);
        assert_eq!(verify_signature(body, header, &rotated, at(t), 300), Ok(()));
    }
}

#[test]
fn rotation_header_accepts_either_secret_and_ignores_v0() {
    let v = vectors();
    let example = &v["rotation_example"];
    let body = fixture(example["file"].as_str().unwrap());
    let header = example["stripe_signature"].as_str();
    let now = at(example["signed_at"].as_i64().unwrap());
    for names in [
        &["endpoint_secret"][..],
        &["previous_endpoint_secret"],
        &["endpoint_secret", "previous_endpoint_secret"],
    ] {
        assert_eq!(
            verify_signature(body, header, &secrets(names), now, 300),
            Ok(())
        );
    }
    let other = vec!["whsec_test_SomeOtherEndpoint".to_string()];
    let err = verify_signature(body, header, &other, now, 300).unwrap_err();
    assert_eq!(err.code(), "bad_signature");
}

#[test]
fn negative_vectors_fail_with_the_right_error() {
    let v = vectors();
    let both = secrets(&["endpoint_secret", "previous_endpoint_secret"]);
    for case in v["negative_examples"].as_array().unwrap() {
        let body = fixture(case["file"].as_str().unwrap());
        let header = case["stripe_signature"].as_str();
        let now = at(case["verify_at"].as_i64().unwrap());
        let err = verify_signature(body, header, &both, now, 300).unwrap_err();
        match case["case"].as_str().unwrap() {
            "stale timestamp" => assert_eq!(err, WebhookError::StaleTimestamp),
            "wrong secret" => {
                assert_eq!(err, WebhookError::BadSignature("no matching v1 signature"))
            }
            "only v0 present" => assert_eq!(err, WebhookError::BadSignature("no v1 signature")),
            other => panic!("unexpected case {other}"),
        }
    }
}

#[test]
fn malformed_headers_and_bodies_are_refused() {
    let secret = secrets(&["endpoint_secret"]);
    let good = signature_header(&secret[0], 1760000125, SESSION);
    let now = at(1760000125);
    let bad = |header: Option<&str>, secrets: &[String]| {
        verify_signature(SESSION, header, secrets, now, 300)
            .unwrap_err()
            .code()
    };
    assert_eq!(bad(None, &secret), "bad_signature");
    assert_eq!(bad(Some(""), &secret), "bad_signature");
    assert_eq!(bad(Some("v1=abc"), &secret), "bad_signature");
    assert_eq!(bad(Some("t=abc,v1=00"), &secret), "bad_signature");
    assert_eq!(bad(Some(&format!("t=1,{good}")), &secret), "bad_signature");
    assert_eq!(bad(Some(&good), &[]), "bad_signature");
    assert_eq!(bad(Some(&good), &[String::new()]), "bad_signature");
    let empty_key = signature_header("", 1760000125, SESSION);
    assert_eq!(bad(Some(&empty_key), &[String::new()]), "bad_signature");
    assert_eq!(
        bad(Some(&good.replace("v1=", "v1=zz")), &secret),
        "bad_signature"
    );

    let spaced = good.replace(',', ", ");
    assert_eq!(
        verify_signature(SESSION, Some(&spaced), &secret, now, 300),
        Ok(())
    );
    let future = signature_header(&secret[0], 1760000125 + 301, SESSION);
    assert_eq!(
        verify_signature(SESSION, Some(&future), &secret, now, 300),
        Err(WebhookError::StaleTimestamp)
    );
    let reserialised = serde_json::to_vec(&serde_json::from_slice::<Value>(SESSION).unwrap());
    let err = verify_signature(&reserialised.unwrap(), Some(&good), &secret, now, 300);
    assert_eq!(err.unwrap_err().code(), "bad_signature");
}

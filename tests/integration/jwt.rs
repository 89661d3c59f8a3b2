//! Tokens that must not work: each gets 401.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server_support::*;

fn secret(srv: &TestServer) -> Vec<u8> {
    let hexkey = std::fs::read_to_string(srv.data_dir().join("signing.key")).unwrap();
    (0..hexkey.trim().len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hexkey.trim()[i..i + 2], 16).unwrap())
        .collect()
}

fn claims(srv: &TestServer, key: &str) -> Value {
    let p = &srv.who(key).person;
    let now = chrono_now() / 1000;
    json!({
        "sub": p.id, "role": p.role.as_str(), "office": p.office, "ver": 0,
        "iss": "baoxiu-server", "aud": "baoxiu", "iat": now, "exp": now + 600
    })
}

fn sign(alg: Algorithm, claims: &Value, secret: &[u8]) -> String {
    // The token library has no built-in backend here: the server's HMAC provider.
    baoxiu_server::auth::install_crypto();
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_negative_suite_all_401() {
    let srv = TestServer::start().await;
    let key = secret(&srv);
    let good = claims(&srv, "a.dispatcher");
    // The baseline works, so the failures below are about the token alone.
    let ok = sign(Algorithm::HS256, &good, &key);
    assert_eq!(
        srv.call("GET", "/api/v1/orders", Some(&ok), None).await.0,
        StatusCode::OK
    );

    // Stray spaces before a pasted token are not part of it.
    let padded = format!("   {ok}");
    assert_eq!(
        srv.call("GET", "/api/v1/orders", Some(&padded), None)
            .await
            .0,
        StatusCode::OK
    );

    let mut cases: Vec<(&str, String)> = Vec::new();
    cases.push(("not a token", "garbage".into()));
    cases.push(("wrong algorithm HS512", sign(Algorithm::HS512, &good, &key)));
    cases.push(("wrong algorithm HS384", sign(Algorithm::HS384, &good, &key)));
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&good).unwrap());
    cases.push(("alg none", format!("{none_header}.{payload}.")));
    let mut c = good.clone();
    c["exp"] = json!(chrono_now() / 1000 - 3600);
    cases.push(("expired", sign(Algorithm::HS256, &c, &key)));
    let mut c = good.clone();
    c["exp"] = json!((chrono_now() / 1000 + 600).to_string());
    cases.push(("string exp", sign(Algorithm::HS256, &c, &key)));
    let mut c = good.clone();
    c.as_object_mut().unwrap().remove("exp");
    cases.push(("missing exp", sign(Algorithm::HS256, &c, &key)));
    let mut c = good.clone();
    c["aud"] = json!("someone-else");
    cases.push(("wrong aud", sign(Algorithm::HS256, &c, &key)));
    let mut c = good.clone();
    c["iss"] = json!("evil");
    cases.push(("wrong iss", sign(Algorithm::HS256, &c, &key)));
    cases.push((
        "other key",
        sign(
            Algorithm::HS256,
            &good,
            b"not-the-server-key-not-the-server",
        ),
    ));
    // Tampered payload: promote to admin, keep the signature.
    let parts: Vec<&str> = ok.split('.').collect();
    let mut c = good.clone();
    c["role"] = json!("admin");
    let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
    cases.push((
        "tampered payload",
        format!("{}.{forged}.{}", parts[0], parts[2]),
    ));
    // Validly signed but lying about the role.
    let mut c = good.clone();
    c["role"] = json!("admin");
    cases.push(("role not the user's", sign(Algorithm::HS256, &c, &key)));
    // A user that does not exist.
    let mut c = good.clone();
    c["sub"] = json!("0192f000-0000-7000-8000-000000000000");
    cases.push(("unknown user", sign(Algorithm::HS256, &c, &key)));
    // Revoked: an older token version.
    let mut c = good.clone();
    c["ver"] = json!(7);
    cases.push(("revoked (token version)", sign(Algorithm::HS256, &c, &key)));

    for (name, token) in cases {
        let (s, v) = srv.call("GET", "/api/v1/orders", Some(&token), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{name}: {v}");
        assert_eq!(v["error"]["code"], "unauthorized", "{name}");
        // Each says what is wrong with the token: something that is no token is not
        // blamed on an unknown signing key.
        let said = v["error"]["message"].as_str().unwrap_or_default();
        assert!(!said.is_empty(), "{name}");
        if name == "not a token" {
            assert!(said.contains("not a signed token"), "{said}");
        }
    }

    // Revoking a real user: deactivation invalidates the token that worked above.
    let target = srv.who("a.dispatcher").person.id;
    let (s, _) = srv
        .as_(
            "a.admin",
            "POST",
            &format!("/api/v1/users/{target}/deactivate"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        srv.call("GET", "/api/v1/orders", Some(&ok), None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn signing_keys_rotate_by_key_id_without_logging_anyone_out() {
    use baoxiu_server::Keys;
    let (k1, k2) = ("11".repeat(32), "22".repeat(32));
    let claims = baoxiu_server::auth::claims(
        baoxiu_sync_core::UserId::new(),
        baoxiu_sync_core::Role::Dispatcher,
        baoxiu_sync_core::OfficeId::new(),
        None,
        0,
        600,
    );
    let before = Keys::from_list(&format!("k1:{k1}")).unwrap();
    let old_token = before.sign(&claims).unwrap();
    // Every node gets the new key first and keeps the old one: old tokens still work, new
    // ones carry the new key id.
    let rotated = Keys::from_list(&format!("# rotated\nk2:{k2}\nk1:{k1}\n")).unwrap();
    assert_eq!(rotated.verify(&old_token).unwrap(), claims);
    let new_token = rotated.sign(&claims).unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(&new_token)
            .unwrap()
            .kid
            .as_deref(),
        Some("k2")
    );
    assert!(
        before.verify(&new_token).is_err(),
        "a node without k2 refuses it"
    );
    // Once the old key is retired, its tokens stop working.
    let retired = Keys::from_list(&format!("k2:{k2}")).unwrap();
    assert!(retired.verify(&old_token).is_err());
    assert!(retired.verify(&new_token).is_ok());
    // A token that names k2 but was signed with k1's secret is refused.
    let forged = {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some("k2".into());
        jsonwebtoken::encode(&h, &claims, &EncodingKey::from_secret(&[0x11; 32])).unwrap()
    };
    assert!(rotated.verify(&forged).is_err());
    // Lists that cannot be right are refused whole.
    for bad in [
        String::new(),
        format!("k1:{}", "11".repeat(16)),
        format!("k1:{k1}\nk1:{k2}"),
        k1.clone(),
        format!(":{k1}"),
    ] {
        assert!(Keys::from_list(&bad).is_err(), "{bad:?}");
    }
}

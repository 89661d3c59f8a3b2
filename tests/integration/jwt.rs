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

    let mut cases: Vec<(&str, String)> = Vec::new();
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

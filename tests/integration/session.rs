//! Issue 17: the web console's session. The token is exchanged once for an HttpOnly,
//! SameSite=Strict cookie that no script reads; signing out revokes it on the server, and
//! so do deactivation and the office's session length.

use baoxiu_tests::server::TestServer;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};

async fn sign_in(srv: &TestServer, token: &str) -> (StatusCode, Option<String>) {
    let res = reqwest::Client::new()
        .post(srv.url("/api/v1/session"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned());
    (res.status(), cookie)
}

/// A request with only the cookie (`name=value`, as a browser sends it back).
async fn with_cookie(
    srv: &TestServer,
    method: &str,
    path: &str,
    cookie: &str,
) -> (StatusCode, Value, Option<String>) {
    let res = reqwest::Client::new()
        .request(method.parse().unwrap(), srv.url(path))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let set = res
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned());
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        set,
    )
}

fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_session_is_an_httponly_strict_cookie_that_sign_out_revokes() {
    let srv = TestServer::start().await;
    let dispatcher = srv.who("a.dispatcher");
    // Bad tokens get no cookie.
    for (token, want) in [
        ("", StatusCode::UNPROCESSABLE_ENTITY),
        ("not-a-token", StatusCode::UNAUTHORIZED),
        (&"x".repeat(5000), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (s, cookie) = sign_in(&srv, token).await;
        assert_eq!(s, want, "{token:.20}");
        assert!(cookie.is_none());
    }
    let (s, set) = sign_in(&srv, &dispatcher.token).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let set = set.expect("a cookie is set");
    let attrs: Vec<String> = set.split(';').map(|a| a.trim().to_lowercase()).collect();
    for want in ["httponly", "samesite=strict", "path=/"] {
        assert!(attrs.iter().any(|a| a == want), "{want} in {set}");
    }
    let cookie = pair(&set);
    assert!(
        cookie.starts_with("bx_session=") && cookie.len() > 60,
        "{cookie}"
    );
    assert!(
        !cookie.contains(&dispatcher.token),
        "the cookie is not the token"
    );
    // The cookie alone authenticates, as the same person, under the same policy.
    let (s, me, _) = with_cookie(&srv, "GET", "/api/v1/me", &cookie).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["user"], json!(dispatcher.person.id.to_string()));
    let (s, _, _) = with_cookie(&srv, "GET", "/api/v1/users", &cookie).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = with_cookie(&srv, "POST", "/api/v1/months/2026-10/close", &cookie).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a dispatcher closes no month");
    // A made-up cookie is nobody.
    let (s, v, _) = with_cookie(&srv, "GET", "/api/v1/me", "bx_session=00ff").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    // Signing out revokes it on the server and clears it in the browser.
    let (s, _, cleared) = with_cookie(&srv, "DELETE", "/api/v1/session", &cookie).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let cleared = cleared.expect("the cookie is cleared");
    assert!(
        cleared.starts_with("bx_session=;") || cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let (s, v, _) = with_cookie(&srv, "GET", "/api/v1/me", &cookie).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "a copy of the cookie is dead: {v}"
    );
    assert_eq!(v["error"]["code"], "unauthorized");
    // The bearer token itself still works (the phone and scripts use it).
    let (s, _) = srv
        .call("GET", "/api/v1/me", Some(&dispatcher.token), None)
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_session_ends_with_deactivation_and_with_the_office_s_session_length() {
    let srv = TestServer::start().await;
    let clerk = srv.who("a.finance");
    let (_, set) = sign_in(&srv, &clerk.token).await;
    let cookie = pair(&set.unwrap());
    assert_eq!(
        with_cookie(&srv, "GET", "/api/v1/me", &cookie).await.0,
        StatusCode::OK
    );
    let (s, v) = srv
        .as_(
            "a.admin",
            "POST",
            &format!("/api/v1/users/{}/deactivate", clerk.person.id),
            None,
        )
        .await;
    assert!(s.is_success(), "{v}");
    assert_eq!(
        with_cookie(&srv, "GET", "/api/v1/me", &cookie).await.0,
        StatusCode::UNAUTHORIZED
    );
    // The office's setting says how long a sign-in lasts (default 12 hours).
    let (s, settings) = srv.as_("a.admin", "GET", "/api/v1/settings", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(settings["console_session_hours"], 12);
    let mut shorter = settings.clone();
    shorter["console_session_hours"] = json!(1);
    let (s, v) = srv
        .as_("a.admin", "PUT", "/api/v1/settings", Some(shorter.clone()))
        .await;
    assert!(s.is_success(), "{v}");
    srv.set_today("2026-11-02");
    let (_, set) = sign_in(&srv, &srv.who("a.dispatcher").token).await;
    let cookie = pair(&set.unwrap());
    assert_eq!(
        with_cookie(&srv, "GET", "/api/v1/me", &cookie).await.0,
        StatusCode::OK
    );
    srv.clock.set(srv.state().now() + 3_600_000);
    assert_eq!(
        with_cookie(&srv, "GET", "/api/v1/me", &cookie).await.0,
        StatusCode::UNAUTHORIZED,
        "an hour later the session has ended"
    );
    shorter["console_session_hours"] = json!(0);
    let (s, _) = srv
        .as_("a.admin", "PUT", "/api/v1/settings", Some(shorter))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

//! Hostile input at the HTTP edge and on the sync path: each test is named after the
//! invariant it defends, and failed before its fix.

use reqwest::StatusCode;
use serde_json::json;

use crate::server_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_one_is_given_the_system_role_and_every_route_checks_roles() {
    let srv = TestServer::start().await;
    let (s, v) = srv
        .as_(
            "a.admin",
            "POST",
            "/api/v1/users",
            Some(json!({"name": "root", "role": "system"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "invalid");
    let (s, _) = srv
        .as_(
            "a.admin",
            "POST",
            "/api/v1/users",
            Some(json!({"name": "新同事", "role": "front_desk"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // The calendar is read by the people who work with deadlines, not by technicians.
    let (s, _) = srv.as_("a.tech1", "GET", "/api/v1/calendar", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = srv.as_("a.desk", "GET", "/api/v1/calendar", None).await;
    assert_eq!(s, StatusCode::OK);
}

//! S5 16, the PDCA register over HTTP: a problem taken through plan, do, check and act,
//! the unresolved part carried into the next cycle; who may take which step; and every
//! role of both offices against every route (object-level authorisation).

use baoxiu_sync_core::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server_support::*;

fn plan(owner: &str) -> Value {
    json!({"cause": "夜班只有一人值守，來電無人接聽",
        "biggest_factor": "夜間來電沒有轉接",
        "actions": [{"what": "夜間來電轉接值班技工手機", "owner": owner, "due": "2026-12-15"}]})
}

async fn step(srv: &TestServer, who: &str, id: &str, body: Value) -> (StatusCode, Value) {
    let path = format!("/api/v1/improvements/{id}/steps");
    srv.as_(who, "POST", &path, Some(body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pdca_a_problem_goes_round_the_cycle_and_what_is_left_is_carried_forward() {
    let srv = TestServer::start().await;
    let owner = srv.who("a.dispatcher").person.id.to_string();
    let problem = json!({"problem": "十一月回訪：夜間報修響應慢", "source": "callback",
        "reference": "2026-11", "plan": plan(&owner)});
    let (s, x) = srv
        .as_(
            "a.supervisor",
            "POST",
            "/api/v1/improvements",
            Some(problem),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{x}");
    assert_eq!(
        (x["stage"].as_str(), x["cycle"].as_u64()),
        (Some("plan"), Some(1))
    );
    let id = x["id"].as_str().unwrap().to_owned();
    // Do: the action's owner records what was done; someone else of the office may not,
    // nor may the owner check it.
    let did = json!({"step": "do", "note": "十二月一日起夜間來電轉接"});
    let (s, r) = step(&srv, "a.administrator", &id, did.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{r}");
    let (s, r) = step(&srv, "a.dispatcher", &id, did).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["item"]["stage"], "do");
    assert_eq!(r["item"]["done"][0]["by"], owner);
    // The item names the people it mentions, for roles that cannot list the office's.
    let dispatcher = srv.who("a.dispatcher").person.name.clone();
    assert_eq!(r["item"]["names"][&owner], dispatcher.as_str());
    let checked = json!({"step": "check", "results": "平日夜間響應 25 分鐘；週末仍逾一小時", "resolved": false});
    let (s, _) = step(&srv, "a.dispatcher", &id, checked.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Once carried out, the plan stays what was done.
    let (s, _) = step(
        &srv,
        "a.supervisor",
        &id,
        json!({"step": "plan", "cause": "x", "biggest_factor": "y", "actions": [{"what": "z"}]}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, r) = step(&srv, "a.supervisor", &id, checked).await;
    assert_eq!(
        (s, r["item"]["stage"].as_str()),
        (StatusCode::OK, Some("check"))
    );
    // Unresolved: acting names what is left, which becomes the next cycle's item.
    let acted = |leftover: &str| json!({"step": "act", "consolidated": "夜間轉接寫入值班制度", "leftover": leftover});
    let (s, r) = step(&srv, "a.supervisor", &id, acted("")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{r}");
    let (s, r) = step(&srv, "a.supervisor", &id, acted("週末夜間仍無人接聽")).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["item"]["stage"], "closed");
    let next = r["carried"]["id"].as_str().unwrap().to_owned();
    assert_eq!(r["item"]["act"]["carried_to"], next.as_str());
    assert_eq!(r["carried"]["carried_from"], id.as_str());
    assert_eq!(r["carried"]["problem"], "週末夜間仍無人接聽");
    assert_eq!(
        (
            r["carried"]["cycle"].as_u64(),
            r["carried"]["stage"].as_str()
        ),
        (Some(2), Some("plan"))
    );
    let (s, _) = step(&srv, "a.supervisor", &id, acted("")).await;
    assert_eq!(s, StatusCode::CONFLICT, "acted once");
    // The register: open items, closed ones, one item.
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let (_, open) = srv
        .as_(
            "a.administrator",
            "GET",
            "/api/v1/improvements?open=true",
            None,
        )
        .await;
    assert_eq!(ids(&open), vec![next.clone()]);
    let (_, closed) = srv
        .as_(
            "a.administrator",
            "GET",
            "/api/v1/improvements?stage=closed",
            None,
        )
        .await;
    assert_eq!(ids(&closed), vec![id.clone()]);
    let (_, all) = srv
        .as_("a.supervisor", "GET", "/api/v1/improvements", None)
        .await;
    assert_eq!(ids(&all), [next.clone(), id.clone()], "newest first");
    // The carried problem is planned before anything is done about it.
    let (s, _) = step(
        &srv,
        "a.supervisor",
        &next,
        json!({"step": "do", "note": "x"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, r) = step(
        &srv,
        "a.supervisor",
        &next,
        json!({"step": "plan", "cause": "週末無值班表",
        "biggest_factor": "週末排班", "actions": [{"what": "週末輪值"}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, got) = srv
        .as_(
            "a.dispatcher",
            "GET",
            &format!("/api/v1/improvements/{next}"),
            None,
        )
        .await;
    assert_eq!(got["plan"]["biggest_factor"], "週末排班");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pdca_refuses_what_is_not_the_office_s_or_not_well_formed() {
    let srv = TestServer::start().await;
    let other = srv.who("b.dispatcher").person.id.to_string();
    // A technician does not see the register: they could never record what they did.
    let tech = srv.who("a.tech1").person.id.to_string();
    let with = |plan: Value| json!({"problem": "報修單填寫不全", "source": "site", "plan": plan});
    let cases = [
        // An action's owner of another office, or nobody's id.
        (with(plan(&other)), StatusCode::NOT_FOUND),
        (
            with(plan(&baoxiu_sync_core::UserId::new().to_string())),
            StatusCode::NOT_FOUND,
        ),
        (with(plan(&tech)), StatusCode::CONFLICT),
        (
            json!({"problem": "x", "source": "rumour"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"problem": " ", "source": "site"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            with(json!({"cause": "a", "biggest_factor": "b", "actions": []})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            with(
                json!({"cause": "a", "biggest_factor": "b", "actions": [{"what": "c", "due": "2026-02-30"}]}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"problem": "報修單填寫不全", "source": "site"}),
            StatusCode::CREATED,
        ),
    ];
    for (i, (body, want)) in cases.into_iter().enumerate() {
        let (s, r) = srv
            .as_("a.supervisor", "POST", "/api/v1/improvements", Some(body))
            .await;
        assert_eq!(s, want, "case {i}: {r}");
    }
    let (s, _) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/improvements?stage=done",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

/// What `caller` should get for `op` on office a's items: `x` being done (its action owned
/// by a.dispatcher), `y` not planned yet.
fn expected(caller: &str, op: &str) -> StatusCode {
    let (office, who) = caller.split_once('.').unwrap_or(("", caller));
    let reads = matches!(
        who,
        "agent" | "administrator" | "dispatcher" | "supervisor" | "admin"
    );
    let manages = matches!(who, "supervisor" | "admin");
    if !reads || (op == "open" && !manages) {
        return StatusCode::FORBIDDEN;
    }
    match op {
        "list" => StatusCode::OK,
        "open" => StatusCode::CREATED,
        _ if office == "b" => StatusCode::NOT_FOUND,
        "get" => StatusCode::OK,
        "do" if manages || who == "dispatcher" => StatusCode::OK,
        // Checking what was never planned nor done is out of order.
        "check" if manages => StatusCode::CONFLICT,
        _ => StatusCode::FORBIDDEN,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bola_improvements_each_role_reaches_only_its_office_s_register() {
    let srv = TestServer::start().await;
    let mut callers: Vec<(String, String)> = Vec::new();
    for office in ["a", "b"] {
        let agent = srv.add_person(office, "客服", Role::CsAgent).await;
        callers.push((format!("{office}.agent"), agent.token));
        for who in [
            "desk",
            "administrator",
            "dispatcher",
            "supervisor",
            "finance",
            "admin",
            "tech1",
        ] {
            let key = format!("{office}.{who}");
            callers.push((key.clone(), srv.who(&key).token.clone()));
        }
    }
    let owner = srv.who("a.dispatcher").person.id.to_string();
    let open = |plan: Option<Value>| json!({"problem": "維修後仍滴水", "source": "complaint", "plan": plan});
    let (_, x) = srv
        .as_(
            "a.supervisor",
            "POST",
            "/api/v1/improvements",
            Some(open(Some(plan(&owner)))),
        )
        .await;
    let (_, y) = srv
        .as_(
            "a.supervisor",
            "POST",
            "/api/v1/improvements",
            Some(open(None)),
        )
        .await;
    let (x, y) = (
        x["id"].as_str().unwrap().to_owned(),
        y["id"].as_str().unwrap().to_owned(),
    );
    let mut checked = 0;
    for (caller, token) in &callers {
        for op in ["list", "get", "open", "do", "check"] {
            let (method, path, body) = match op {
                "list" => ("GET", "/api/v1/improvements".to_owned(), None),
                "get" => ("GET", format!("/api/v1/improvements/{x}"), None),
                "open" => ("POST", "/api/v1/improvements".to_owned(), Some(open(None))),
                "do" => (
                    "POST",
                    format!("/api/v1/improvements/{x}/steps"),
                    Some(json!({"step": "do", "note": "已轉接"})),
                ),
                _ => (
                    "POST",
                    format!("/api/v1/improvements/{y}/steps"),
                    Some(json!({"step": "check", "results": "無", "resolved": true})),
                ),
            };
            let (got, answer) = srv.call(method, &path, Some(token), body).await;
            let text = answer.to_string();
            assert_eq!(got, expected(caller, op), "{caller} {op}: {text}");
            // Another office's register never shows office a's items.
            if caller.starts_with("b.") && got.is_success() {
                assert!(
                    !text.contains(&x) && !text.contains(&y),
                    "{caller} {op}: {text}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 80);
}

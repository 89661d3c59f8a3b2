//! Customers (S5): every order and complaint is linked to its customer whatever door it
//! came through, a doubtful match waits for a person, the customer's page shows the whole
//! history; the pyramid comes from paid revenue in the register; churn is recorded and
//! counted.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::month::{HOUR, Job, MIN, seed, taipei};
use crate::server_support::*;

async fn intake(srv: &TestServer, who: &str, unit: &str, phone: &str, extra: Value) -> Value {
    let mut body = json!({"customer": {"name": "王小明", "unit": unit, "phone": phone},
        "channel": "phone", "description": "浴室漏水"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (s, v) = srv.as_(who, "POST", "/api/v1/orders", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

async fn find(srv: &TestServer, who: &str, q: &str) -> Vec<Value> {
    let (s, v) = srv
        .as_(who, "GET", &format!("/api/v1/customers?q={q}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().cloned().unwrap_or_default()
}

async fn page(srv: &TestServer, who: &str, id: &str) -> (StatusCode, Value) {
    srv.as_(who, "GET", &format!("/api/v1/customers/{id}"), None)
        .await
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_every_order_and_complaint_is_linked_and_doubtful_ones_reviewed() {
    let srv = TestServer::start().await;
    // A new unit and phone: the unit's customer is created from the order.
    let first = intake(&srv, "a.desk", "C棟-5F-2", "0912-111-222", json!({})).await;
    let found = find(&srv, "a.desk", "c棟-5f").await;
    assert_eq!(found.len(), 1, "{found:?}");
    let customer = found[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(found[0]["kind"], "unit");
    assert_eq!(found[0]["phones"], json!(["0912-111-222"]));
    // The same unit and phone, typed differently: the same customer, no review.
    let second = intake(&srv, "a.desk", "Ｃ棟－5F－2", "0912 111 222", json!({})).await;
    // The same unit, another phone: the unit's customer, for review.
    let third = intake(&srv, "a.desk", "C棟-5F-2", "02-2700-0000", json!({})).await;
    let (_, review) = srv
        .as_("a.desk", "GET", "/api/v1/customers/review", None)
        .await;
    let review = review.as_array().cloned().unwrap_or_default();
    assert_eq!(review.len(), 1, "{review:?}");
    assert_eq!(
        (
            &review[0]["item"],
            &review[0]["doubt"],
            &review[0]["customer"]
        ),
        (&third["id"], &json!("other_phone"), &json!(customer))
    );
    // The desk confirms it, keeping the phone: the review is settled and the phone kept.
    let settle =
        json!({"kind": "order", "item": third["id"], "customer": customer, "add_phone": true});
    let (s, _) = srv
        .as_("a.desk", "POST", "/api/v1/customers/review", Some(settle))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, review) = srv
        .as_("a.desk", "GET", "/api/v1/customers/review", None)
        .await;
    assert_eq!(review, json!([]));
    // Now that phone leads straight there.
    let fourth = intake(&srv, "a.desk", "C棟-5F-2", "(02) 2700 0000", json!({})).await;
    // An order logged offline and synced is linked the same way.
    let synced = seed(
        &srv,
        Job {
            unit: "C棟-5F-2",
            description: "冷氣不冷",
            tech: "tech1",
            appointment: taipei(2026, 10, 5, 10, 0),
            reschedule: None,
            arrival: None,
            fees: None,
            complete_after: None,
            extra: None,
        },
    )
    .await;
    // A complaint naming the customer the agent found is theirs.
    let complaint = json!({"channel": "hotline", "complainant": "王小明", "by_customer_or_agent": true,
        "unit": "C棟-5F-2", "subject": "師傅遲到", "material_complete": true, "customer": customer});
    let (s, x) = srv
        .as_("a.desk", "POST", "/api/v1/complaints", Some(complaint))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{x}");
    // The customer's page shows every order and the complaint.
    let (s, p) = page(&srv, "a.desk", &customer).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let mut orders = ids(&p["orders"]);
    orders.sort();
    let mut want: Vec<String> = [&first, &second, &third, &fourth]
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .chain([synced.to_string()])
        .collect();
    want.sort();
    assert_eq!(orders, want);
    assert_eq!(
        ids(&p["complaints"]),
        vec![x["complaint"]["id"].as_str().unwrap().to_owned()]
    );
    assert_eq!(p["customer"]["open_orders"], 5);
    assert_eq!(p["customer"]["open_complaints"], 1);
    assert_eq!(p["customer"]["tier"], "small");
    // The order list filters by customer too.
    let (_, list) = srv
        .as_(
            "a.desk",
            "GET",
            &format!("/api/v1/orders?customer={customer}"),
            None,
        )
        .await;
    assert_eq!(list["total"], 5);
    // The phone at another unit: a new customer for that unit, the first named for review.
    let other = intake(&srv, "a.desk", "D棟-1F-1", "0912111222", json!({})).await;
    let (_, review) = srv
        .as_("a.desk", "GET", "/api/v1/customers/review", None)
        .await;
    let r = review
        .as_array()
        .and_then(|a| a.iter().find(|r| r["item"] == other["id"]).cloned())
        .unwrap_or(Value::Null);
    assert_eq!(r["doubt"], "other_unit", "{review}");
    assert_eq!(r["candidate"], json!(customer));
    assert_ne!(r["customer"], json!(customer));
    // A desk picking the customer at intake links it for sure.
    let chosen = intake(
        &srv,
        "a.desk",
        "C棟-5F-2",
        "0999-000-000",
        json!({"customer_id": customer}),
    )
    .await;
    let (_, p) = page(&srv, "a.desk", &customer).await;
    assert!(ids(&p["orders"]).contains(&chosen["id"].as_str().unwrap().to_owned()));
    // Another office sees none of it, and cannot link to it.
    assert_eq!(
        page(&srv, "b.desk", &customer).await.0,
        StatusCode::NOT_FOUND
    );
    assert!(find(&srv, "b.desk", "C棟").await.is_empty());
    let body = json!({"customer": {"name": "x", "unit": "y", "phone": "0912"},
        "channel": "phone", "description": "z", "customer_id": customer});
    let (s, _) = srv
        .as_("b.desk", "POST", "/api/v1/orders", Some(body))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let settle = json!({"kind": "order", "item": other["id"], "customer": customer});
    let (s, _) = srv
        .as_("b.desk", "POST", "/api/v1/customers/review", Some(settle))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A technician has no customer records.
    let (s, _) = srv.as_("a.tech1", "GET", "/api/v1/customers", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_tiers_come_from_the_paid_register_not_from_visits() {
    let srv = TestServer::start().await;
    srv.set_today("2026-10-31");
    // Paid and free orders completed in October, each unit with its own phone (the seed's
    // orders share one phone, so each unit after the first waits for review: settled
    // below as the unit's own customer).
    let job = |unit, fees, day| Job {
        unit,
        description: "水龍頭漏水",
        tech: "tech1",
        appointment: taipei(2026, 10, day, 10, 0),
        reschedule: None,
        arrival: Some((taipei(2026, 10, day, 10, 5), Some(0))),
        fees,
        complete_after: Some(HOUR),
        extra: None,
    };
    // Unit A pays 1,200.00 once; unit B pays 300.00 + 200.00; unit C calls five times for
    // free repairs; unit D pays 50.00.
    // (unit, paid fees: materials and labour, day of October)
    type Visit<'a> = (&'a str, Option<(i64, i64)>, u32);
    let plan: &[Visit] = &[
        ("A棟-1F-1", Some((100_000, 20_000)), 5),
        ("B棟-2F-1", Some((20_000, 10_000)), 6),
        ("B棟-2F-1", Some((15_000, 5_000)), 7),
        ("C棟-3F-1", None, 8),
        ("C棟-3F-1", None, 9),
        ("C棟-3F-1", None, 12),
        ("C棟-3F-1", None, 13),
        ("C棟-3F-1", None, 14),
        ("D棟-4F-1", Some((3_000, 2_000)), 15),
    ];
    for (unit, fees, day) in plan {
        seed(&srv, job(unit, *fees, *day)).await;
    }
    let (_, review) = srv
        .as_("a.supervisor", "GET", "/api/v1/customers/review", None)
        .await;
    for r in review.as_array().cloned().unwrap_or_default() {
        let settle = json!({"kind": r["kind"], "item": r["item"], "customer": r["customer"]});
        let (s, _) = srv
            .as_(
                "a.supervisor",
                "POST",
                "/api/v1/customers/review",
                Some(settle),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
    }
    // Six customers in all (two more with no orders): with 10 / 10 / 60 percent, one VIP
    // (10% of 6, rounded up), one major (20% of 6: two down the ranking), ordinary down to
    // the fifth, but those who paid nothing stay small.
    for name in ["甲", "乙"] {
        let body =
            json!({"kind": "owner", "name": name, "unit": format!("E棟-{name}"), "phones": []});
        let (s, _) = srv
            .as_("a.desk", "POST", "/api/v1/customers", Some(body))
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (_, mut settings) = srv.as_("a.admin", "GET", "/api/v1/settings", None).await;
    settings["tier_vip_percent"] = json!(10);
    settings["tier_major_percent"] = json!(10);
    settings["tier_ordinary_percent"] = json!(60);
    let (s, v) = srv
        .as_("a.admin", "PUT", "/api/v1/settings", Some(settings))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, r) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/customers/tiers?month=2026-10",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let line = |unit: &str| {
        r["customers"]
            .as_array()
            .and_then(|a| a.iter().find(|l| l["unit"] == unit).cloned())
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        (
            line("A棟-1F-1")["tier"].clone(),
            line("A棟-1F-1")["revenue"].clone()
        ),
        (json!("vip"), json!(120_000))
    );
    assert_eq!(
        (
            line("B棟-2F-1")["tier"].clone(),
            line("B棟-2F-1")["revenue"].clone()
        ),
        (json!("major"), json!(50_000))
    );
    assert_eq!(
        (
            line("D棟-4F-1")["tier"].clone(),
            line("D棟-4F-1")["revenue"].clone()
        ),
        (json!("ordinary"), json!(5_000))
    );
    // Five free visits are no revenue: not listed, and small.
    assert_eq!(line("C棟-3F-1"), Value::Null);
    let count = |tier: &str| {
        r["tiers"]
            .as_array()
            .and_then(|a| a.iter().find(|t| t["tier"] == tier).cloned())
            .map(|t| t["customers"].clone())
    };
    assert_eq!(
        (
            count("vip"),
            count("major"),
            count("ordinary"),
            count("small")
        ),
        (
            Some(json!(1)),
            Some(json!(1)),
            Some(json!(1)),
            Some(json!(3))
        )
    );
    assert_eq!(
        (r["from"].clone(), r["to"].clone()),
        (json!("2025-11"), json!("2026-10"))
    );
    // A window that ends before October ranks nothing.
    let (_, early) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/customers/tiers?month=2026-09",
            None,
        )
        .await;
    assert_eq!(early["customers"], json!([]));
    // CSV for the spreadsheet.
    let (s, _) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/customers/tiers?month=2026-10&format=csv",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // A key account is flagged by the supervisor and listed with its open items.
    let a = find(&srv, "a.supervisor", "A棟-1F-1").await;
    let a_id = a[0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/customers/{a_id}/key-account");
    let (s, _) = srv
        .as_("a.desk", "PUT", &path, Some(json!({"key_account": true})))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = srv
        .as_(
            "a.supervisor",
            "PUT",
            &path,
            Some(json!({"key_account": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, keys) = srv
        .as_("a.desk", "GET", "/api/v1/customers/key-accounts", None)
        .await;
    assert_eq!(ids(&keys), vec![a_id]);
    assert_eq!(keys[0]["tier"], "vip");
    assert_eq!(keys[0]["open_orders"], 1, "{keys}");
    let _ = MIN;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_churn_is_recorded_by_type_and_cause_and_counted() {
    let srv = TestServer::start().await;
    srv.set_today("2026-11-20");
    let mut made = Vec::new();
    for unit in ["1", "2", "3"] {
        let body = json!({"kind": "tenant", "name": "住戶", "unit": unit, "phones": ["0912-000-00" .to_owned() + unit]});
        let (s, v) = srv
            .as_("a.desk", "POST", "/api/v1/customers", Some(body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        made.push(v["id"].as_str().unwrap().to_owned());
    }
    let churn = |id: &str, on: &str, kind: &str, cause: &str| {
        (
            format!("/api/v1/customers/{id}/churn"),
            json!({"on": on, "type": kind, "cause": cause, "note": "搬走"}),
        )
    };
    // (who, customer, day, type, cause, answer)
    let steps = [
        (
            "a.desk",
            0,
            "2026-11-02",
            "natural",
            "value",
            StatusCode::FORBIDDEN,
        ),
        (
            "a.supervisor",
            0,
            "2026-11-02",
            "competitive",
            "value",
            StatusCode::OK,
        ),
        (
            "a.supervisor",
            0,
            "2026-11-03",
            "natural",
            "value",
            StatusCode::CONFLICT,
        ),
        (
            "a.supervisor",
            1,
            "2026-11-21",
            "fault",
            "staff",
            StatusCode::CONFLICT,
        ),
        (
            "a.supervisor",
            1,
            "2026-11-19",
            "fault",
            "staff",
            StatusCode::OK,
        ),
        (
            "a.supervisor",
            2,
            "2026-10-30",
            "competitive",
            "value",
            StatusCode::OK,
        ),
    ];
    for (who, i, on, kind, cause, want) in steps {
        let (path, body) = churn(&made[i], on, kind, cause);
        let (s, v) = srv.as_(who, "POST", &path, Some(body)).await;
        assert_eq!(s, want, "{who} {on} {kind}: {v}");
    }
    let (s, r) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/customers/churn?from=2026-11&months=1",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let cell = |kind: &str, cause: &str| {
        r["table"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|t| t["type"] == kind && t["cause"] == cause)
                    .cloned()
            })
            .map(|t| t["customers"].clone())
    };
    assert_eq!(r["total"], 2);
    assert_eq!(cell("competitive", "value"), Some(json!(1)));
    assert_eq!(cell("fault", "staff"), Some(json!(1)));
    assert_eq!(r["table"].as_array().map(Vec::len), Some(12));
    // Over two months October's leaver counts too.
    let (_, r2) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/customers/churn?from=2026-10&months=2",
            None,
        )
        .await;
    assert_eq!(r2["total"], 3);
    // The customer came back: the leaving is withdrawn, and counted no more.
    let path = format!("/api/v1/customers/{}/churn", made[1]);
    let (s, _) = srv.as_("a.supervisor", "DELETE", &path, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = srv.as_("a.supervisor", "DELETE", &path, None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, r) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/customers/churn?from=2026-11&months=1",
            None,
        )
        .await;
    assert_eq!(r["total"], 1);
    // Another office's customer is not found.
    let (path, body) = churn(&made[2], "2026-11-01", "natural", "value");
    let (s, _) = srv.as_("b.supervisor", "POST", &path, Some(body)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

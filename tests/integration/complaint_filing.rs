//! R-CPL-REPORT (第二十條): the regulator's filing — the office's rules, its evaluation
//! scheme and the people responsible — kept by the manager and printed, with the
//! deadlines the rules fix and the office's own periods, only once it says all three.

use reqwest::StatusCode;
use serde_json::json;

use crate::server_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cpl_report_a_regulator_filing_lists_rules_scheme_and_people() {
    let srv = TestServer::start().await;
    let (s, f) = srv
        .as_("a.supervisor", "GET", "/api/v1/complaint-filing", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        f["missing"],
        json!(["rules", "evaluation_scheme", "people"])
    );
    // Not printed while it lacks any of the three: the refusal names what is missing.
    let (s, r) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/complaint-filing/report",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(r.to_string().contains("evaluation_scheme"), "{r}");
    let filing = json!({
        "rules": ["客戶投訴處理制度（2026 年版）", "投訴考評及責任追究辦法 <第3版>"],
        "evaluation_scheme": "每季考評：按時受理率、按時處理率、回訪滿意度",
        "people": [{"name": "黃淑芬", "post": "客服中心主管", "phone": "02-2345-6789"}]
    });
    // Kept by the manager; a blank rule or a nameless person is refused whole, named.
    let cases = [
        ("a.dispatcher", filing.clone(), StatusCode::FORBIDDEN),
        ("a.desk", filing.clone(), StatusCode::FORBIDDEN),
        (
            "a.supervisor",
            json!({"rules": ["制度", "  "]}),
            StatusCode::CONFLICT,
        ),
        (
            "a.supervisor",
            json!({"people": [{"name": ""}]}),
            StatusCode::CONFLICT,
        ),
        (
            "a.supervisor",
            json!({"rules": "制度"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("a.supervisor", filing.clone(), StatusCode::OK),
    ];
    for (i, (who, body, want)) in cases.into_iter().enumerate() {
        let (s, v) = srv
            .as_(who, "PUT", "/api/v1/complaint-filing", Some(body))
            .await;
        assert_eq!(s, want, "case {i}: {v}");
    }
    let (_, f) = srv
        .as_("a.dispatcher", "GET", "/api/v1/complaint-filing", None)
        .await;
    assert_eq!(f["missing"], json!([]));
    assert_eq!(f["people"][0]["name"], "黃淑芬");
    let (s, _) = srv
        .as_("a.desk", "GET", "/api/v1/complaint-filing", None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Another office's filing is its own.
    let (_, other) = srv
        .as_("b.supervisor", "GET", "/api/v1/complaint-filing", None)
        .await;
    assert_eq!(other["rules"], json!([]));
    // The published complaint phone goes with it.
    let (s, _) = srv
        .as_(
            "a.supervisor",
            "PUT",
            "/api/v1/complaint-contacts",
            Some(json!({"phone": "0800-123-456"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, html) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/complaint-filing/report",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let html = html.as_str().unwrap();
    for want in [
        "投訴處理備案",
        "客戶投訴處理制度（2026 年版）",
        "&lt;第3版&gt;",
        "每季考評",
        "黃淑芬",
        "客服中心主管",
        "0800-123-456",
        // The rules' fixed deadlines and the office's own periods (default 15 and 5).
        "5 個工作日內告知投訴人補充",
        "10 個工作日內告知是否受理",
        "15 個工作日內作出處理決定",
        "5 個工作日內告知投訴人",
    ] {
        assert!(html.contains(want), "{want} in {html}");
    }
    assert!(!html.contains("<第3版>"), "text is escaped");
    let (_, en) = srv
        .as_(
            "a.dispatcher",
            "GET",
            "/api/v1/complaint-filing/report?lang=en",
            None,
        )
        .await;
    let en = en.as_str().unwrap();
    assert!(
        en.contains("Complaint handling filing") && en.contains("decided within 15 working days")
    );
}

use super::tiers::{Tier, TierShares, churn_table, tiers};
use super::*;

fn customer(id: &str, unit: &str, phones: &[&str], at: Millis) -> Customer {
    Customer {
        id: id.into(),
        kind: CustomerKind::Owner,
        name: id.into(),
        unit: unit.into(),
        phones: phones.iter().map(|p| (*p).to_owned()).collect(),
        key_account: false,
        note: String::new(),
        churn: None,
        created_by: UserId::new(),
        created_at: at,
    }
}

#[test]
fn customers_units_and_phones_compare_by_their_keys() {
    let cases = [
        ("3-1201", "3-1201"),
        (" 3 - 1201 ", "3-1201"),
        ("３－１２０１", "3-1201"),
        ("3—1201", "3-1201"),
        ("b2-0101", "B2-0101"),
        ("A棟 12樓", "A棟12樓"),
    ];
    for (unit, key) in cases {
        assert_eq!(unit_key(unit), key, "{unit}");
    }
    let phones = [
        ("0912-345-678", "0912345678"),
        ("+886 2 2345 6789", "886223456789"),
        ("０９１２３４５６７８", "0912345678"),
        ("ext.", ""),
    ];
    for (phone, key) in phones {
        assert_eq!(phone_key(phone), key, "{phone}");
    }
}

#[test]
fn customers_an_order_is_matched_by_unit_and_phone() {
    let office = [
        customer("a", "3-1201", &["0912-345-678"], 1),
        customer("b", "5-0302", &["0922 000 111", "02-2345-6789"], 2),
        customer("c", "7-0101", &["0933111222"], 3),
        customer("d", "7-0101", &["0933111222"], 4),
    ];
    let doubtful = |customer: Option<&str>, doubt, candidate: &str| Match::Doubtful {
        customer: customer.map(str::to_owned),
        doubt,
        candidate: candidate.to_owned(),
    };
    // (unit, phone, where it leads)
    let cases = [
        ("3-1201", "0912345678", Match::Linked("a".into())),
        ("３－１２０１", "0912 345 678", Match::Linked("a".into())),
        ("5-0302", "(02) 2345 6789", Match::Linked("b".into())),
        // The unit is known, the phone is not: linked to the unit's customer, for review.
        (
            "3-1201",
            "0955000000",
            doubtful(Some("a"), Doubt::OtherPhone, "a"),
        ),
        ("3-1201", "", doubtful(Some("a"), Doubt::OtherPhone, "a")),
        // The phone is known at another unit: a new customer for this unit, for review.
        (
            "9-0909",
            "0912345678",
            doubtful(None, Doubt::OtherUnit, "a"),
        ),
        // Two customers with the same unit and phone: the older one, for review.
        (
            "7-0101",
            "0933111222",
            doubtful(Some("c"), Doubt::Several, "d"),
        ),
        ("9-0909", "0900000000", Match::New),
        // Two digits are no phone to compare.
        ("9-0909", "12", Match::New),
    ];
    for (unit, phone, want) in cases {
        assert_eq!(match_customer(&office, unit, phone), want, "{unit} {phone}");
    }
    // The order of the candidates does not change the answer.
    let mut reversed = office.to_vec();
    reversed.reverse();
    assert_eq!(
        match_customer(&reversed, "7-0101", "0933111222"),
        doubtful(Some("c"), Doubt::Several, "d")
    );
}

#[test]
fn customers_fields_are_checked() {
    let f = |name: &str, unit: &str, phones: &[&str]| CustomerFields {
        kind: CustomerKind::Tenant,
        name: name.into(),
        unit: unit.into(),
        phones: phones.iter().map(|p| (*p).to_owned()).collect(),
        note: String::new(),
    };
    assert!(f("王小明", "3-1201", &["0912345678"]).checked().is_ok());
    assert!(f("王小明", "3-1201", &[]).checked().is_ok());
    assert!(f(" ", "3-1201", &[]).checked().is_err());
    assert!(f("王小明", "", &[]).checked().is_err());
    assert!(f("王小明", "3-1201", &["12"]).checked().is_err());
    assert!(
        f("王小明", "3-1201", &["1", "2", "3", "4", "5", "6"])
            .checked()
            .is_err()
    );
    let same = f("王", "1", &["0912-345-678", "0912345678"]).checked();
    assert_eq!(same.map(|s| s.phones.len()).ok(), Some(1));
}

#[test]
fn customers_tiers_come_from_paid_revenue() {
    // A hand-built register's totals per customer for 40 customers: the classic pyramid
    // (1 / 4 / 15 percent, rounded up) names one VIP, one major and six ordinary; the rest
    // are small, and so is anyone who paid nothing however often they called.
    let shares = TierShares {
        vip: 1,
        major: 4,
        ordinary: 15,
    };
    let mut revenue: Vec<(String, i64)> = (0..40).map(|i| (format!("c{i:02}"), 0)).collect();
    let paid = [
        ("c05", 1_250_000, Tier::Vip),
        ("c11", 480_000, Tier::Major),
        ("c02", 120_000, Tier::Ordinary),
        ("c17", 95_000, Tier::Ordinary),
        ("c08", 60_000, Tier::Ordinary),
        ("c31", 45_000, Tier::Ordinary),
        ("c22", 30_000, Tier::Ordinary),
        ("c01", 12_000, Tier::Ordinary),
        ("c39", 8_000, Tier::Small),
        ("c13", 3_500, Tier::Small),
    ];
    for (id, amount, _) in paid {
        if let Some(r) = revenue.iter_mut().find(|r| r.0 == id) {
            r.1 = amount;
        }
    }
    let got = tiers(&revenue, shares);
    let tier_of = |id: &str| got.iter().find(|t| t.0 == id).map(|t| t.2);
    for (id, _, tier) in paid {
        assert_eq!(tier_of(id), Some(tier), "{id}");
    }
    assert_eq!(tier_of("c00"), Some(Tier::Small));
    assert_eq!(got.first().map(|t| t.1), Some(1_250_000));
    // A tie never splits: two customers at the VIP line share it.
    let tie = [
        ("x".to_owned(), 500),
        ("y".to_owned(), 500),
        ("z".to_owned(), 1),
    ];
    let got = tiers(&tie, shares);
    assert_eq!(
        got.iter().map(|t| t.2).collect::<Vec<_>>(),
        [Tier::Vip, Tier::Vip, Tier::Small]
    );
    // No shares: everyone is small.
    let none = TierShares {
        vip: 0,
        major: 0,
        ordinary: 0,
    };
    assert!(tiers(&tie, none).iter().all(|t| t.2 == Tier::Small));
}

#[test]
fn customers_churn_is_recorded_once_and_counted_by_type_and_cause() {
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or(NaiveDate::MIN);
    let by = (UserId::new(), 0, day(9, 30));
    let mut a = customer("a", "1", &[], 1);
    let mut b = customer("b", "2", &[], 2);
    let mut c = customer("c", "3", &[], 3);
    assert!(
        a.record_churn(
            (day(9, 3), ChurnType::Competitive, ChurnCause::Value, ""),
            by
        )
        .is_ok()
    );
    assert!(matches!(
        a.record_churn((day(9, 4), ChurnType::Natural, ChurnCause::Value, ""), by),
        Err(Error::Conflict(_))
    ));
    assert!(
        b.record_churn(
            (day(9, 20), ChurnType::Competitive, ChurnCause::Value, ""),
            by
        )
        .is_ok()
    );
    assert!(
        c.record_churn((day(8, 31), ChurnType::Fault, ChurnCause::Staff, ""), by)
            .is_ok()
    );
    // Not in the future.
    let mut d = customer("d", "4", &[], 4);
    assert!(
        d.record_churn((day(10, 1), ChurnType::Natural, ChurnCause::Value, ""), by)
            .is_err()
    );
    let table = churn_table(&[a, b, c, d], day(9, 1), day(9, 30));
    assert_eq!(table.len(), 12);
    let n = |kind, cause| {
        table
            .iter()
            .find(|t| t.kind == kind && t.cause == cause)
            .map(|t| t.customers)
    };
    assert_eq!(n(ChurnType::Competitive, ChurnCause::Value), Some(2));
    assert_eq!(n(ChurnType::Fault, ChurnCause::Staff), Some(0));
    assert_eq!(table.iter().map(|t| t.customers).sum::<u32>(), 2);
}

//! The demo's customers (S5): every demo order and complaint is already linked by its unit
//! and phone; here the desk settles part of the review list, the supervisor flags key
//! accounts (the owners' committee and the best-paying unit) and records two customers
//! leaving; the front door has a morning's contacts (R-CS-CONTACT), so every customer and
//! front-door screen has something real to show.

use baoxiu_sync_core::contact::{Contact, ContactChannels, ContactKind, NewContact, Outcome};
use baoxiu_sync_core::customer::{ChurnCause, ChurnType, Customer, CustomerFields, CustomerKind};
use baoxiu_sync_core::{Person, Role, UserId};
use chrono::Days;

use crate::error::{Error, Result};
use crate::service::customers::{review, tier_report};
use crate::state::AppState;
use crate::store::CustomerFilter;

pub(super) async fn seed(st: &AppState, people: &[Person]) -> Result<()> {
    let office = super::demo::DEMO_OFFICE;
    let find = |r: Role| people.iter().find(|p| p.role == r).map(|p| p.id);
    let (Some(desk), Some(sup)) = (find(Role::FrontDesk), find(Role::Supervisor)) else {
        return Err(Error::Internal("demo people".into()));
    };
    let now = st.now();
    let committee = CustomerFields {
        kind: CustomerKind::OwnersCommittee,
        name: "翠湖花園業主委員會".into(),
        unit: "翠湖花園管委會".into(),
        phones: vec!["02-2345-6789".into()],
        note: "每月例會第一個週三".into(),
    };
    let mut c = Customer::new(committee, desk, now)?;
    c.key_account = true;
    st.store.add_customer(office, c).await?;
    // The desk confirmed every other doubtful link; the rest wait on the review list.
    for (i, r) in review(&*st.store, office, None)
        .await?
        .into_iter()
        .enumerate()
    {
        if i % 2 == 0 {
            st.store
                .set_link(office, r.kind, r.item, r.customer)
                .await?;
        }
    }
    // The best-paying customer this month is a key account.
    let month = crate::service::month::Month::parse(
        &chrono::DateTime::from_timestamp_millis(now)
            .unwrap_or_default()
            .format("%Y-%m")
            .to_string(),
        "Asia/Taipei",
    )?;
    let tiers = tier_report(&*st.store, office, &month.to_string()).await?;
    if let Some(best) = tiers.customers.first()
        && let Some(mut c) = st.store.customer(office, best.id.clone()).await?
    {
        c.key_account = true;
        st.store.save_customer(office, c).await?;
    }
    // Two customers left: one moved away, one went to a competitor over the fees.
    let all = st
        .store
        .customers(
            office,
            CustomerFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
    let today = st
        .store
        .calendar(office)
        .await?
        .day_of(now)
        .ok_or_else(|| Error::Internal("the clock is out of range".into()))?;
    let leaving = [
        (
            12,
            ChurnType::Natural,
            ChurnCause::Value,
            "已出售單位，搬離社區",
        ),
        (
            35,
            ChurnType::Competitive,
            ChurnCause::Value,
            "改找外面的水電行，嫌收費高",
        ),
    ];
    for ((days, kind, cause, note), mut c) in leaving
        .into_iter()
        .zip(all.into_iter().filter(|c| !c.key_account).rev())
    {
        let on = today.checked_sub_days(Days::new(days)).unwrap_or(today);
        c.record_churn((on, kind, cause, note), (sup, now, today))?;
        st.store.save_customer(office, c).await?;
    }
    contacts(st, desk).await
}

/// R-CS-CONTACT: a morning at the front door — an enquiry answered, a repair report that
/// became an order, a complaint still open, a suggestion, and a whistle-blowing call only
/// the supervisor sees.
async fn contacts(st: &AppState, desk: UserId) -> Result<()> {
    let office = super::demo::DEMO_OFFICE;
    let now = st.now();
    let channels = ContactChannels::default();
    let new = |kind, channel: &str, (caller, unit, phone): (&str, &str, &str), summary: &str| {
        NewContact {
            kind,
            channel: channel.into(),
            channel_note: if channel == "other" {
                "里長轉達".into()
            } else {
                String::new()
            },
            caller: caller.into(),
            unit: unit.into(),
            phone: phone.into(),
            summary: summary.into(),
        }
    };
    let order = super::demo::order_ids(&*st.store).await?.first().copied();
    let calls = [
        (
            new(
                ContactKind::Enquiry,
                "hotline",
                ("王先生", "A棟-12F-3", "0912-100-200"),
                "管理費可否轉帳繳納",
            ),
            Some(Outcome::Closed {
                note: "可轉帳，帳號已告知".into(),
                by: desk,
                at: now,
            }),
        ),
        (
            new(
                ContactKind::RepairReport,
                "walk_in",
                ("王先生", "A棟-12F-3", "0912-100-200"),
                "廚房水龍頭漏水",
            ),
            order.map(|o| Outcome::Order {
                id: o.to_string(),
                by: desk,
                at: now,
            }),
        ),
        (
            new(
                ContactKind::Complaint,
                "other",
                ("陳太太", "B棟-8F-1", "0912-345-678"),
                "樓上裝修噪音，晚上九點後仍施工",
            ),
            None,
        ),
        (
            new(
                ContactKind::Suggestion,
                "email",
                ("林小姐", "", ""),
                "建議大廳增設雨傘架",
            ),
            None,
        ),
        (
            new(
                ContactKind::Whistleblowing,
                "hotline",
                ("", "", ""),
                "夜班保全收費放行外車",
            ),
            None,
        ),
    ];
    for (i, (n, outcome)) in calls.into_iter().enumerate() {
        let minutes = i64::try_from(i).unwrap_or(0) * 7 * 60_000;
        let c = Contact::new(n, &channels, (desk, now - 3 * 3_600_000 + minutes))?;
        let id = c.id.clone();
        st.store.add_contact(office, c, None).await?;
        if let Some(o) = outcome {
            st.store.conclude_contact(office, id, o).await?;
        }
    }
    Ok(())
}

//! The demo's customers (S5): every demo order and complaint is already linked by its unit
//! and phone; here the desk settles part of the review list, the supervisor flags key
//! accounts (the owners' committee and the best-paying unit) and records two customers
//! leaving, so every customer screen has something real to show.

use baoxiu_sync_core::customer::{ChurnCause, ChurnType, Customer, CustomerFields, CustomerKind};
use baoxiu_sync_core::{Person, Role};
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
    Ok(())
}

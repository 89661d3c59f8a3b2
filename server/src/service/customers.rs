//! Customers (S5): a customer's whole history, the review list of doubtful links, the
//! customer pyramid from paid revenue (S5 19), key accounts with their open items (S5 21)
//! and the churn report (S5 13, 26).

use std::collections::{BTreeMap, HashMap, HashSet};

use baoxiu_sync_core::callback::Callback;
use baoxiu_sync_core::complaint::{Complaint, Status as ComplaintStatus};
use baoxiu_sync_core::contact::Contact;
use baoxiu_sync_core::customer::Customer;
use baoxiu_sync_core::customer::tiers::{ChurnCount, Tier, TierShares, churn_table, tiers};
use baoxiu_sync_core::settings::OfficeSettings;
use baoxiu_sync_core::{OfficeId, Status};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::month::{Month, add_money, office_or_404};
use crate::error::{Error, Result};
use crate::store::customer_link::ItemKind;
use crate::store::{
    CallbackFilter, ContactFilter, CustomerFilter, LinkFilter, OrderFilter, OrderRow, Store,
};

/// The most customers a tiers report or a list takes (an office's whole base).
pub const MAX_CUSTOMERS: u32 = 100_000;
/// The most doubtful links the review list shows at once (the oldest first; settling them
/// brings the next).
pub const REVIEW_PAGE: u32 = 200;
/// The most orders a customer's page lists (newest first).
const PAGE_ORDERS: u32 = 200;

/// A customer as the API shows it, with their tier.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    #[serde(flatten)]
    #[schema(inline, value_type = Object)]
    pub customer: serde_json::Value,
    /// S5 19: the tier from paid revenue over the office's `tier_months`.
    #[schema(value_type = String)]
    pub tier: Tier,
    /// Paid revenue over that period (minor units).
    pub revenue: i64,
    /// Orders and complaints still open.
    pub open_orders: u64,
    pub open_complaints: u64,
}

/// An item linked for review, beside the customer it is linked to and the one it may be.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewItem {
    pub kind: ItemKind,
    pub item: String,
    /// What the item says: name, unit, phone.
    pub name: String,
    pub unit: String,
    pub phone: String,
    /// `other_phone`, `other_unit` or `several`.
    pub doubt: String,
    pub customer: String,
    pub customer_label: String,
    pub candidate: Option<String>,
    pub candidate_label: Option<String>,
}

/// A customer's whole history (S5: across orders, complaints and call-backs).
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    pub customer: CustomerView,
    pub orders: Vec<OrderRow>,
    #[schema(value_type = Vec<Object>)]
    pub complaints: Vec<Complaint>,
    #[schema(value_type = Vec<Object>)]
    pub callbacks: Vec<Callback>,
    /// R-CS-CONTACT: every contact of theirs at the front door, newest first (whistle-blowing
    /// is never a customer's).
    #[schema(value_type = Vec<Object>)]
    pub contacts: Vec<Contact>,
    /// Links of this customer's items waiting for review.
    pub in_review: Vec<ReviewItem>,
}

/// The customer pyramid for a period (S5 19).
#[derive(Debug, Serialize, ToSchema)]
pub struct TierReport {
    /// First and last month of paid revenue ranked.
    pub from: String,
    pub to: String,
    pub currency: String,
    /// The shares in force (percent).
    pub vip_percent: u32,
    pub major_percent: u32,
    pub ordinary_percent: u32,
    /// Customers and revenue per tier, VIP first.
    pub tiers: Vec<TierTotal>,
    /// Every customer who paid anything, highest revenue first.
    pub customers: Vec<TierLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierTotal {
    #[schema(value_type = String)]
    pub tier: Tier,
    pub customers: u64,
    pub revenue: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierLine {
    pub id: String,
    pub name: String,
    pub unit: String,
    #[schema(value_type = String)]
    pub tier: Tier,
    pub revenue: i64,
    pub key_account: bool,
}

/// The churn report (S5 13, 26).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChurnReport {
    pub from: String,
    pub until: String,
    /// Every type × cause, zero or not.
    #[schema(value_type = Vec<Object>)]
    pub table: Vec<ChurnCount>,
    pub total: u64,
    /// The customers who left in the period, by day.
    #[schema(value_type = Vec<Object>)]
    pub customers: Vec<Customer>,
}

fn open_complaint(x: &Complaint) -> bool {
    use ComplaintStatus as S;
    !matches!(
        x.status,
        S::Closed | S::NotAccepted | S::Transferred | S::Merged
    )
}

/// The month `n - 1` months before `m` (the first month of an `n`-month window).
fn months_before(m: Month, n: u32, time_zone: &str) -> Result<Month> {
    // Not before year 0: a window reaching further starts there.
    let index =
        (i64::from(m.year) * 12 + i64::from(m.month) - 1 - i64::from(n.saturating_sub(1))).max(0);
    let (y, mo) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    Month::parse(&format!("{y:04}-{mo:02}"), time_zone)
}

/// Paid revenue per customer over `tier_months` ending with `month`, and each customer's
/// tier (every customer of the office, those who paid nothing small).
async fn ranked(
    store: &dyn Store,
    office: OfficeId,
    month: Month,
    time_zone: &str,
    s: &OfficeSettings,
) -> Result<(Month, Vec<Customer>, Vec<(String, i64, Tier)>)> {
    let first = months_before(month, s.tier_months, time_zone)?;
    let period = crate::store::Period {
        start: first.start,
        end: month.end,
    };
    let lines = store.register_lines(office, period).await?;
    // No paid order in the period: nobody's links are needed (an empty list means all).
    let owner: HashMap<String, String> = if lines.is_empty() {
        HashMap::new()
    } else {
        store
            .links(
                office,
                LinkFilter {
                    kind: Some(ItemKind::Order),
                    items: lines.iter().map(|l| l.order.to_string()).collect(),
                    ..Default::default()
                },
            )
            .await?
            .into_iter()
            .map(|l| (l.item, l.customer))
            .collect()
    };
    let customers = store
        .customers(
            office,
            CustomerFilter {
                limit: MAX_CUSTOMERS,
                ..Default::default()
            },
        )
        .await?;
    let mut revenue: BTreeMap<&str, i64> = customers.iter().map(|c| (c.id.as_str(), 0)).collect();
    for l in &lines {
        // Paid revenue: what the customer was billed, less compensation credited.
        let paid = l.total.saturating_sub(l.credited);
        if let Some(r) = owner
            .get(&l.order.to_string())
            .and_then(|c| revenue.get_mut(c.as_str()))
        {
            *r = add_money(*r, paid);
        }
    }
    let list: Vec<(String, i64)> = revenue
        .into_iter()
        .map(|(id, r)| (id.to_owned(), r))
        .collect();
    let shares = TierShares {
        vip: s.tier_vip_percent,
        major: s.tier_major_percent,
        ordinary: s.tier_ordinary_percent,
    };
    Ok((first, customers, tiers(&list, shares)))
}

/// This month, in the office's zone.
fn this_month(now: i64, time_zone: &str) -> Result<Month> {
    let tz: chrono_tz::Tz = time_zone
        .parse()
        .map_err(|_| Error::Invalid(format!("unknown time zone {time_zone:?}")))?;
    let t = chrono::DateTime::from_timestamp_millis(now)
        .ok_or_else(|| Error::Internal("the clock is out of range".into()))?
        .with_timezone(&tz);
    Month::parse(&t.format("%Y-%m").to_string(), time_zone)
}

/// This month's tiers (the window ending with the month of `now`).
async fn ranked_now(
    store: &dyn Store,
    office: OfficeId,
    now: i64,
) -> Result<Vec<(String, i64, Tier)>> {
    let o = office_or_404(store, office).await?;
    let s = store.settings(office).await?;
    let month = this_month(now, &o.time_zone)?;
    Ok(ranked(store, office, month, &o.time_zone, &s).await?.2)
}

/// The customer with their tier and open items.
async fn view_with(
    store: &dyn Store,
    office: OfficeId,
    c: Customer,
    ranked: &[(String, i64, Tier)],
) -> Result<CustomerView> {
    let h = history(store, office, &c.id).await?;
    view_of(c, ranked, &h)
}

fn view_of(c: Customer, ranked: &[(String, i64, Tier)], h: &History) -> Result<CustomerView> {
    let (tier, revenue) = ranked
        .iter()
        .find(|r| r.0 == c.id)
        .map_or((Tier::Small, 0), |r| (r.2, r.1));
    let open_complaints = h.complaints.iter().filter(|x| open_complaint(x)).count();
    Ok(CustomerView {
        tier,
        revenue,
        open_orders: h.open_orders,
        open_complaints: u64::try_from(open_complaints).unwrap_or(u64::MAX),
        customer: serde_json::to_value(&c).map_err(|e| Error::Internal(e.to_string()))?,
    })
}

/// A customer's orders (the newest [`PAGE_ORDERS`]) and how many are open in all, and
/// their complaints.
struct History {
    orders: Vec<OrderRow>,
    open_orders: u64,
    complaints: Vec<Complaint>,
}

async fn history(store: &dyn Store, office: OfficeId, customer: &str) -> Result<History> {
    let filter = |status, limit| OrderFilter {
        office,
        customer: Some(customer.to_owned()),
        status,
        limit,
        ..Default::default()
    };
    let (orders, total) = store.list_orders(filter(None, PAGE_ORDERS)).await?;
    // Open: all of them but those closed, refused or cancelled (counted, not listed).
    let mut open_orders = total;
    for done in [Status::Closed, Status::Refused, Status::Cancelled] {
        let (_, n) = store.list_orders(filter(Some(done), 1)).await?;
        open_orders = open_orders.saturating_sub(n);
    }
    let mine: HashSet<String> = store
        .links(
            office,
            LinkFilter {
                customer: Some(customer.to_owned()),
                kind: Some(ItemKind::Complaint),
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .map(|l| l.item)
        .collect();
    let mut complaints: Vec<Complaint> = if mine.is_empty() {
        Vec::new()
    } else {
        store
            .complaints(office)
            .await?
            .into_iter()
            .filter(|x| mine.contains(&x.id))
            .collect()
    };
    complaints.sort_by_key(|x| std::cmp::Reverse(x.received_at));
    Ok(History {
        orders,
        open_orders,
        complaints,
    })
}

/// A customer's page: the record, tier, every order, complaint and call-back.
pub async fn page(store: &dyn Store, office: OfficeId, id: &str, now: i64) -> Result<CustomerPage> {
    let c = store
        .customer(office, id.to_owned())
        .await?
        .ok_or_else(|| Error::NotFound(format!("customer {id}")))?;
    let h = history(store, office, id).await?;
    let order_ids: HashSet<String> = h.orders.iter().map(|o| o.id.to_string()).collect();
    let complaint_ids: HashSet<&str> = h.complaints.iter().map(|x| x.id.as_str()).collect();
    let mut callbacks: Vec<Callback> = store
        .callbacks(office, CallbackFilter::default())
        .await?
        .into_iter()
        .filter(|cb| {
            cb.order.is_some_and(|o| order_ids.contains(&o.to_string()))
                || cb
                    .complaint
                    .as_deref()
                    .is_some_and(|x| complaint_ids.contains(x))
        })
        .collect();
    callbacks.sort_by_key(|cb| std::cmp::Reverse(cb.planned_at));
    let in_review = review(store, office, Some(id)).await?;
    let ranked = ranked_now(store, office, now).await?;
    let contact_ids: Vec<String> = store
        .links(
            office,
            LinkFilter {
                customer: Some(id.to_owned()),
                kind: Some(ItemKind::Contact),
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .map(|l| l.item)
        .collect();
    let contacts = if contact_ids.is_empty() {
        Vec::new()
    } else {
        store
            .contacts(
                office,
                ContactFilter {
                    ids: contact_ids,
                    limit: PAGE_ORDERS,
                    ..Default::default()
                },
            )
            .await?
    };
    Ok(CustomerPage {
        customer: view_of(c, &ranked, &h)?,
        orders: h.orders,
        complaints: h.complaints,
        callbacks,
        contacts,
        in_review,
    })
}

fn label(c: &Customer) -> String {
    format!("{} · {}", c.name, c.unit)
}

/// The links waiting for a person's review, the office's or one customer's: the oldest
/// [`REVIEW_PAGE`].
pub async fn review(
    store: &dyn Store,
    office: OfficeId,
    customer: Option<&str>,
) -> Result<Vec<ReviewItem>> {
    let links = store
        .links(
            office,
            LinkFilter {
                customer: customer.map(str::to_owned),
                review_only: true,
                limit: Some(REVIEW_PAGE),
                ..Default::default()
            },
        )
        .await?;
    let order_ids: Vec<String> = links
        .iter()
        .filter(|l| l.kind == ItemKind::Order)
        .map(|l| l.item.clone())
        .collect();
    let parties: HashMap<String, (String, String, String)> = store
        .order_parties(office, order_ids)
        .await?
        .into_iter()
        .map(|(id, name, unit, phone)| (id, (name, unit, phone)))
        .collect();
    let mut out = Vec::with_capacity(links.len());
    let mut labels: HashMap<String, String> = HashMap::new();
    for l in links {
        for id in std::iter::once(&l.customer).chain(l.candidate.iter()) {
            if !labels.contains_key(id)
                && let Some(c) = store.customer(office, id.clone()).await?
            {
                labels.insert(id.clone(), label(&c));
            }
        }
        let (name, unit, phone) = match l.kind {
            ItemKind::Order => match parties.get(&l.item) {
                Some(p) => p.clone(),
                None => continue,
            },
            ItemKind::Complaint => match store.complaint(office, l.item.clone()).await? {
                Some(x) => (x.complainant, x.unit, x.contact),
                None => continue,
            },
            ItemKind::Contact => match store.contact(office, l.item.clone()).await? {
                Some(x) => (x.caller, x.unit, x.phone),
                None => continue,
            },
        };
        let doubt: &str = l.review.map(Into::into).unwrap_or_default();
        out.push(ReviewItem {
            kind: l.kind,
            name,
            unit,
            phone,
            doubt: doubt.to_owned(),
            customer_label: labels.get(&l.customer).cloned().unwrap_or_default(),
            candidate_label: l.candidate.as_ref().and_then(|c| labels.get(c).cloned()),
            customer: l.customer,
            candidate: l.candidate,
            item: l.item,
        });
    }
    Ok(out)
}

/// The customer pyramid over the office's `tier_months` ending with `month`.
pub async fn tier_report(store: &dyn Store, office: OfficeId, month: &str) -> Result<TierReport> {
    let o = office_or_404(store, office).await?;
    let s = store.settings(office).await?;
    let m = Month::parse(month, &o.time_zone)?;
    let (first, customers, ranked) = ranked(store, office, m, &o.time_zone, &s).await?;
    let by_id: HashMap<&str, &Customer> = customers.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut totals: BTreeMap<Tier, (u64, i64)> = BTreeMap::new();
    let mut lines = Vec::new();
    for (id, revenue, tier) in &ranked {
        let t = totals.entry(*tier).or_default();
        t.0 += 1;
        t.1 = add_money(t.1, *revenue);
        if *revenue > 0
            && let Some(c) = by_id.get(id.as_str())
        {
            lines.push(TierLine {
                id: id.clone(),
                name: c.name.clone(),
                unit: c.unit.clone(),
                tier: *tier,
                revenue: *revenue,
                key_account: c.key_account,
            });
        }
    }
    use strum::VariantArray;
    Ok(TierReport {
        from: first.to_string(),
        to: m.to_string(),
        currency: o.currency,
        vip_percent: s.tier_vip_percent,
        major_percent: s.tier_major_percent,
        ordinary_percent: s.tier_ordinary_percent,
        tiers: Tier::VARIANTS
            .iter()
            .map(|t| {
                let (customers, revenue) = totals.get(t).copied().unwrap_or_default();
                TierTotal {
                    tier: *t,
                    customers,
                    revenue,
                }
            })
            .collect(),
        customers: lines,
    })
}

/// S5 21: the key accounts, each with its tier and open items.
pub async fn key_accounts(
    store: &dyn Store,
    office: OfficeId,
    now: i64,
) -> Result<Vec<CustomerView>> {
    let list = store
        .customers(
            office,
            CustomerFilter {
                key_accounts: true,
                limit: MAX_CUSTOMERS,
                ..Default::default()
            },
        )
        .await?;
    let ranked = ranked_now(store, office, now).await?;
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        out.push(view_with(store, office, c, &ranked).await?);
    }
    Ok(out)
}

/// S5 13/26: customers who left in `months` months from `from`.
pub async fn churn_report(
    store: &dyn Store,
    office: OfficeId,
    from: &str,
    months: u32,
) -> Result<ChurnReport> {
    let o = office_or_404(store, office).await?;
    let first = Month::parse(from, &o.time_zone)?;
    let day = |y: i64, m: i64| {
        NaiveDate::from_ymd_opt(
            i32::try_from(y).unwrap_or(i32::MAX),
            u32::try_from(m).unwrap_or(1),
            1,
        )
    };
    let start = i64::from(first.year) * 12 + i64::from(first.month) - 1;
    let end = start + i64::from(months);
    let (from_day, next_day) = match (
        day(start.div_euclid(12), start.rem_euclid(12) + 1),
        day(end.div_euclid(12), end.rem_euclid(12) + 1),
    ) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err(Error::Invalid(format!("months from {from} out of range"))),
    };
    let until = next_day.pred_opt().unwrap_or(next_day);
    let all = store
        .customers(
            office,
            CustomerFilter {
                limit: MAX_CUSTOMERS,
                ..Default::default()
            },
        )
        .await?;
    let table = churn_table(&all, from_day, until);
    let mut left: Vec<Customer> = all
        .into_iter()
        .filter(|c| {
            c.churn
                .as_ref()
                .is_some_and(|ch| from_day <= ch.on && ch.on <= until)
        })
        .collect();
    left.sort_by(|a, b| {
        let on = |c: &Customer| c.churn.as_ref().map(|ch| ch.on);
        on(a).cmp(&on(b)).then_with(|| a.id.cmp(&b.id))
    });
    Ok(ChurnReport {
        from: from_day.to_string(),
        until: until.to_string(),
        total: table.iter().map(|t| u64::from(t.customers)).sum(),
        table,
        customers: left,
    })
}

//! The domain's nouns: ids, money, people, offices, customers, fee items.
//!
//! Everything here is plain data with a stable serde form, because it is written
//! into work-order documents that outlive any one version of the app.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Error;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id (UUIDv7), so ids sort roughly by creation.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|e| Error::InvalidInput(format!("{}: {e}", stringify!($name))))
            }
        }
    };
}

id_type!(
    /// A work order (維修單).
    OrderId
);
id_type!(
    /// A person using baoxiu.
    UserId
);
id_type!(
    /// One installation of the app on one phone (or the server itself). Its bytes are the
    /// Automerge actor id of every change that device writes, so the server can bind
    /// changes to devices.
    DeviceId
);
id_type!(
    /// A property-management office (管理處).
    OfficeId
);
id_type!(
    /// One fact in a work order's event list.
    EventId
);

/// Money in integer minor units (fen / cents). Never a float.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money(pub i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// So many of this amount (a unit price times a quantity).
    pub fn checked_mul(self, n: i64) -> Option<Money> {
        self.0.checked_mul(n).map(Money)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl fmt::Display for Money {
    /// Major units with two decimals, e.g. `Money(12050)` → `120.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// What a person may do. The server binds a role to every token; devices carry it in
/// every event they author so the reducer can explain who did what.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    /// 前臺 / 總臺: takes requests.
    FrontDesk,
    /// 物業管理員: fills in the work order and hands it over.
    Administrator,
    /// 工程維修部主任: receives, prices, assigns, supervises.
    Dispatcher,
    /// 維修人員: works on site, usually offline.
    Technician,
    /// 財務部: receipts and collection.
    Finance,
    /// 主管 / 客服: statistics, call-backs, complaints.
    Supervisor,
    /// 客服專員 (S2 第七–八條): the customer-service hotline — takes repair reports and
    /// complaints once trained (R-CS-TRAINING).
    CsAgent,
    /// 客服質檢崗 (S2 ch. 3): inspects the centre's contacts and call-backs against the
    /// office's QA scheme and files the periodic QA report (R-CS-QA).
    QaInspector,
    /// 客服處 / 客服管理崗 (S2 ch. 3–5): runs the centre — complaint handling and
    /// evaluation, the call-back programme, analysis reports, the agents' KPIs — and alone
    /// reads whistle-blowing (R-CS-CONTACT).
    CsManager,
    /// 運營管理部 (R-CS-HQ): oversees every office — reads their figures and reports side
    /// by side and drills into one; writes nothing.
    HeadOffice,
    /// 司機 / 用車人 (S3): reports faults, requests repairs, signs on leaving the shop,
    /// logs trips and fuel.
    Driver,
    /// 車管 (S3): assesses repair requests, fills the repair form, reviews costly items.
    FleetManager,
    /// 主要領導 (S3): approves repairs, costly parts, leaving the city, purchase plans.
    Leader,
    /// 後勤管理人員 (S3): the storeroom — purchases, issues, the count — and files vehicle
    /// approvals.
    LogisticsClerk,
    /// 科室、中隊負責人 (S3): requisitions supplies for a department and approves them.
    DepartmentHead,
    /// A designated repair shop (S3): sees only what is sent to it.
    Shop,
    Admin,
    /// The server acting on its own behalf (e.g. migrations).
    System,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether the role has any part in property repairs (work orders). The roles of
    /// vehicles and supplies (S3) do not: they read, write and sync no work order.
    pub fn works_on_orders(self) -> bool {
        use Role as R;
        match self {
            R::FrontDesk
            | R::Administrator
            | R::Dispatcher
            | R::Technician
            | R::Finance
            | R::Supervisor
            | R::CsAgent
            | R::QaInspector
            | R::CsManager
            | R::Admin
            | R::System => true,
            R::Driver
            | R::FleetManager
            | R::Leader
            | R::LogisticsClerk
            | R::DepartmentHead
            | R::Shop
            // Head office reads offices' figures through its own routes, no order itself.
            | R::HeadOffice => false,
        }
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        use strum::VariantArray;
        Role::VARIANTS
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| Error::InvalidInput(format!("unknown role {s:?}")))
    }
}

/// Who wrote a fact: a person, on a device, in a role.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Author {
    pub user: UserId,
    pub device: DeviceId,
    pub role: Role,
}

/// A person of an office, as the dispatcher sees them (R-DISPATCH ranks technicians by
/// specialty first, then by who can be there fastest).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub office: OfficeId,
    /// e.g. `plumbing`, `electrical`, `hvac`, `carpentry`, `lift`
    #[serde(default)]
    pub specialties: Vec<String>,
    /// Where the person usually is (building / zone), for nearness.
    #[serde(default)]
    pub zone: Option<String>,
    /// Raised to revoke every token issued before.
    #[serde(default)]
    pub token_version: u32,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// The office an order belongs to. Kept in the order's first event so that a document is
/// self-describing: the reducer never needs anything outside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Office {
    pub id: OfficeId,
    pub name: String,
    /// IANA name, e.g. `Asia/Taipei`; used for display, month boundaries and deadlines.
    pub time_zone: String,
    /// ISO 4217 code, e.g. `TWD`, `CNY`; all money in the office is in its minor units.
    pub currency: String,
}

impl Office {
    /// The office time zone, checked.
    pub fn tz(&self) -> Result<chrono_tz::Tz, Error> {
        self.time_zone
            .parse()
            .map_err(|_| Error::InvalidInput(format!("unknown time zone {:?}", self.time_zone)))
    }
}

/// 業主 / 租戶.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub name: String,
    /// 房號
    pub unit: String,
    pub phone: String,
}

/// How a request reached the office (R-INTAKE).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    WalkIn,
    Phone,
    /// Told to a staff member in passing; still logged at once.
    Verbal,
    App,
    /// Found by a technician on site while doing another job.
    Field,
}

/// R-PREMISES: how an approved compensation was settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    /// Paid to the customer.
    Paid,
    /// Taken off the order's bill.
    Credited,
}

/// One line of work with its fees (R-PAID, R-COMPLETE).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FeeItem {
    pub description: String,
    /// 材料費, minor units
    pub materials: Money,
    /// 人工費, minor units
    pub labour: Money,
    /// The fee-schedule item this line was quoted from (R-PAID); `None` for a line off the
    /// schedule. Not part of what the customer signs (the description and amounts are).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl FeeItem {
    pub fn total(&self) -> Option<Money> {
        self.materials.checked_add(self.labour)
    }
}

/// The sum of a list of items, or `None` on overflow.
pub fn total_of(items: &[FeeItem]) -> Option<Money> {
    items
        .iter()
        .try_fold(Money::ZERO, |acc, i| acc.checked_add(i.total()?))
}

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// Result of a check (R-MATERIALS) or a test with the customer (R-COMPLETE).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum PassFail {
    Pass,
    Fail,
}

impl PassFail {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The kind of work a description suggests (plumbing, electrical, hvac, carpentry, lift):
/// used to rank technicians by specialty (R-DISPATCH) and to find rework of the same fault.
pub fn category_of(description: &str) -> Option<&'static str> {
    const MAP: &[(&str, &[&str])] = &[
        (
            "plumbing",
            &["水", "漏", "管", "馬桶", "排水", "water", "leak", "pipe"],
        ),
        (
            "electrical",
            &["電", "燈", "插座", "開關", "light", "power", "socket"],
        ),
        ("hvac", &["冷氣", "空調", "暖氣", "aircon", "hvac"]),
        ("carpentry", &["門", "鎖", "櫃", "木", "door", "lock"]),
        ("lift", &["電梯", "升降", "lift", "elevator"]),
    ];
    let d = description.to_lowercase();
    // Lift before electrical: 電梯 contains 電.
    MAP.iter()
        .rev()
        .find(|(_, words)| words.iter().any(|w| d.contains(w)))
        .map(|(s, _)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_displays_minor_units() {
        assert_eq!(Money(12050).to_string(), "120.50");
        assert_eq!(Money(-5).to_string(), "-0.05");
    }

    #[test]
    fn totals_overflow_is_none() {
        let item = FeeItem {
            description: "x".into(),
            materials: Money(i64::MAX),
            labour: Money(1),
            code: None,
        };
        assert_eq!(total_of(&[item]), None);
    }

    #[test]
    fn categories_from_descriptions() {
        assert_eq!(category_of("廚房水龍頭漏水"), Some("plumbing"));
        assert_eq!(category_of("電梯按鈕失靈"), Some("lift"));
        assert_eq!(category_of("客廳電燈不亮"), Some("electrical"));
        assert_eq!(category_of("油漆剝落"), None);
    }

    #[test]
    fn role_parses_snake_case() {
        assert_eq!("front_desk".parse::<Role>().ok(), Some(Role::FrontDesk));
        assert!("boss".parse::<Role>().is_err());
    }
}

//! R-CS-CONTACT (S2 第六–七條 統一對外的接收客戶訴求的端口): one front door. Every customer
//! contact — an enquiry, a repair report, a complaint, whistle-blowing, a suggestion — is
//! logged once, with its channel and time, and becomes what it is (a work order, a
//! complaint) in one step with the link kept, or is closed with what was done. Channels are
//! open-ended (包括但不限於): the office's list, and "other" with what it was.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{Millis, Role, UserId};

/// The longest caller, unit, phone or channel note (characters).
pub const MAX_CONTACT_FIELD: usize = 200;
/// The longest summary or closing note.
pub const MAX_CONTACT_TEXT: usize = 2000;
/// The channel any contact may come by besides the office's list, with a note of what.
pub const OTHER_CHANNEL: &str = "other";
/// The office's channels until it sets its own.
pub const DEFAULT_CHANNELS: &[&str] = &["hotline", "online", "walk_in", "letter", "email", "fax"];
/// The most channels an office lists, and the longest name.
pub const MAX_CHANNELS: usize = 20;
pub const MAX_CHANNEL_NAME: usize = 30;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ContactKind {
    /// 咨詢.
    Enquiry,
    /// 報案 / 報修: becomes a work order.
    RepairReport,
    /// 投訴: becomes a complaint.
    Complaint,
    /// 舉報: seen only by the office's manager (R-CS-CONTACT).
    Whistleblowing,
    /// 建議.
    Suggestion,
}

impl ContactKind {
    /// Who may see a contact of this kind: whistle-blowing only the customer-service
    /// manager (客服管理崗, the manager role of the issue), since it may be about anyone
    /// else — the supervisor included; every other kind whoever may read the contact log.
    pub fn visible_to(self, role: Role) -> bool {
        self != ContactKind::Whistleblowing || role == Role::CsManager
    }
}

/// The office's channels (an office register): what the front door's form offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactChannels {
    pub channels: Vec<String>,
}

impl Default for ContactChannels {
    fn default() -> Self {
        ContactChannels {
            channels: DEFAULT_CHANNELS.iter().map(|c| (*c).to_owned()).collect(),
        }
    }
}

impl ContactChannels {
    /// What is wrong with the list, each problem once; empty when it may be kept.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.channels.is_empty() || self.channels.len() > MAX_CHANNELS {
            problems.push(format!("an office lists 1–{MAX_CHANNELS} channels"));
        }
        for (i, c) in self.channels.iter().enumerate() {
            let name = c.trim();
            if name != c || name.is_empty() || name.chars().count() > MAX_CHANNEL_NAME {
                problems.push(format!(
                    "channel {c:?}: 1–{MAX_CHANNEL_NAME} characters, no leading or trailing space"
                ));
            }
            if name == OTHER_CHANNEL {
                problems.push(format!("{OTHER_CHANNEL:?} is always offered, not listed"));
            }
            if self.channels[..i].contains(c) {
                problems.push(format!("channel {c:?} is listed twice"));
            }
        }
        problems
    }

    /// Whether a contact may come by `channel` (the list, or "other").
    pub fn offers(&self, channel: &str) -> bool {
        channel == OTHER_CHANNEL || self.channels.iter().any(|c| c == channel)
    }
}

/// What a contact became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "as", rename_all = "snake_case")]
pub enum Outcome {
    /// A work order (R-CS-CONTACT: the link kept both ways).
    Order {
        id: String,
        by: UserId,
        at: Millis,
    },
    Complaint {
        id: String,
        by: UserId,
        at: Millis,
    },
    /// Answered or dealt with, and what was done.
    Closed {
        note: String,
        by: UserId,
        at: Millis,
    },
}

/// A contact as the front door logs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewContact {
    pub kind: ContactKind,
    pub channel: String,
    /// What "other" was (required with it).
    #[serde(default)]
    pub channel_note: String,
    /// Who called; may be blank (an anonymous report).
    #[serde(default)]
    pub caller: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub phone: String,
    pub summary: String,
}

/// A contact as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: String,
    pub kind: ContactKind,
    pub channel: String,
    pub channel_note: String,
    pub caller: String,
    pub unit: String,
    pub phone: String,
    pub summary: String,
    pub received_at: Millis,
    pub taken_by: UserId,
    pub outcome: Option<Outcome>,
}

fn field(what: &str, s: &str, max: usize, required: bool) -> Result<String, Error> {
    let t = s.trim();
    if (required && t.is_empty()) || t.chars().count() > max {
        let min = usize::from(required);
        return Err(Error::InvalidInput(format!(
            "{what} is {min}–{max} characters"
        )));
    }
    Ok(t.to_owned())
}

impl Contact {
    /// R-CS-CONTACT: logs a contact once, by a channel the office offers ("other" names
    /// what it was).
    pub fn new(
        n: NewContact,
        channels: &ContactChannels,
        (by, at): (UserId, Millis),
    ) -> Result<Contact, Error> {
        // The office's list is the office's state, not the request's form: 409.
        if !channels.offers(&n.channel) {
            return Err(Error::Conflict(format!(
                "channel {:?} is not one the office offers (or {OTHER_CHANNEL:?})",
                n.channel
            )));
        }
        let other = n.channel == OTHER_CHANNEL;
        if other && n.channel_note.trim().is_empty() {
            return Err(Error::Conflict(format!(
                "{OTHER_CHANNEL:?} names what the channel was (channel_note)"
            )));
        }
        let note = field(
            "the channel note",
            &n.channel_note,
            MAX_CONTACT_FIELD,
            false,
        )?;
        Ok(Contact {
            id: uuid::Uuid::now_v7().to_string(),
            kind: n.kind,
            channel: n.channel,
            channel_note: if other { note } else { String::new() },
            caller: field("the caller", &n.caller, MAX_CONTACT_FIELD, false)?,
            unit: field("the unit", &n.unit, MAX_CONTACT_FIELD, false)?,
            phone: field("the phone", &n.phone, MAX_CONTACT_FIELD, false)?,
            summary: field("the summary", &n.summary, MAX_CONTACT_TEXT, true)?,
            received_at: at,
            taken_by: by,
            outcome: None,
        })
    }

    /// What it became or how it was closed: once (a second is a `Conflict`).
    pub fn conclude(&mut self, outcome: Outcome) -> Result<(), Error> {
        if self.outcome.is_some() {
            return Err(Error::Conflict(
                "the contact has become something already".into(),
            ));
        }
        if let Outcome::Closed { note, .. } = &outcome {
            field("the closing note", note, MAX_CONTACT_TEXT, true)?;
        }
        self.outcome = Some(outcome);
        Ok(())
    }

    /// Open, order, complaint or closed.
    pub fn status(&self) -> &'static str {
        match &self.outcome {
            None => "open",
            Some(Outcome::Order { .. }) => "order",
            Some(Outcome::Complaint { .. }) => "complaint",
            Some(Outcome::Closed { .. }) => "closed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(kind: ContactKind, channel: &str, note: &str, summary: &str) -> NewContact {
        NewContact {
            kind,
            channel: channel.into(),
            channel_note: note.into(),
            caller: String::new(),
            unit: String::new(),
            phone: String::new(),
            summary: summary.into(),
        }
    }

    #[test]
    fn r_cs_contact_is_logged_by_a_channel_the_office_offers() {
        use ContactKind::*;
        let office = ContactChannels {
            channels: vec!["hotline".into(), "LINE".into()],
        };
        // (contact, logged?)
        let cases = [
            (new(Enquiry, "hotline", "", "停車位租金"), true),
            (new(RepairReport, "LINE", "", "廚房漏水"), true),
            // Not the office's: refused; "other" with what it was: logged.
            (new(Complaint, "fax", "", "噪音"), false),
            (new(Complaint, "other", "里長轉達", "噪音"), true),
            (new(Complaint, "other", " ", "噪音"), false),
            // An anonymous report still says what it is about.
            (new(Whistleblowing, "hotline", "", "保全收錢"), true),
            (new(Suggestion, "hotline", "", "  "), false),
            (
                new(
                    Suggestion,
                    "hotline",
                    "",
                    &"長".repeat(MAX_CONTACT_TEXT + 1),
                ),
                false,
            ),
        ];
        for (n, ok) in cases {
            let got = Contact::new(n.clone(), &office, (UserId::new(), 0));
            assert_eq!(got.is_ok(), ok, "{n:?}");
        }
        // A note goes only with "other".
        let c = Contact::new(
            new(Enquiry, "hotline", "ignored", "?"),
            &office,
            (UserId::new(), 0),
        );
        assert_eq!(c.map(|c| c.channel_note).ok(), Some(String::new()));
    }

    #[test]
    fn r_cs_contact_channels_are_the_office_s_list() {
        let list = |c: &[&str]| ContactChannels {
            channels: c.iter().map(|s| (*s).to_owned()).collect(),
        };
        assert!(ContactChannels::default().check().is_empty());
        assert!(list(&["hotline", "微信"]).check().is_empty());
        for bad in [
            list(&[]),
            list(&["hotline", "hotline"]),
            list(&["other"]),
            list(&[" LINE"]),
            list(&[""]),
        ] {
            assert!(!bad.check().is_empty(), "{bad:?}");
        }
        assert!(list(&["hotline"]).offers("other"));
        assert!(!list(&["hotline"]).offers("fax"));
    }

    #[test]
    fn r_cs_contact_becomes_one_thing_once_and_whistle_blowing_is_the_manager_s() {
        let office = ContactChannels::default();
        let mut c = Contact::new(
            new(ContactKind::RepairReport, "hotline", "", "漏水"),
            &office,
            (UserId::new(), 0),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.status(), "open");
        let by = UserId::new();
        assert!(
            c.conclude(Outcome::Order {
                id: "o".into(),
                by,
                at: 1
            })
            .is_ok()
        );
        assert_eq!(c.status(), "order");
        assert!(matches!(
            c.conclude(Outcome::Closed {
                note: "x".into(),
                by,
                at: 2
            }),
            Err(Error::Conflict(_))
        ));
        // Who sees whistle-blowing: the manager only.
        for role in [
            Role::FrontDesk,
            Role::CsAgent,
            Role::Admin,
            Role::Dispatcher,
            Role::Supervisor,
            Role::QaInspector,
            Role::HeadOffice,
        ] {
            assert!(!ContactKind::Whistleblowing.visible_to(role), "{role:?}");
            assert!(ContactKind::Enquiry.visible_to(role), "{role:?}");
        }
        assert!(ContactKind::Whistleblowing.visible_to(Role::CsManager));
    }
}

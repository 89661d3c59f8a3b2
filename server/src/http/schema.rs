//! What the derive cannot say of a field: the names a string takes. Each list is the one
//! the handler parses (a test below checks that every name parses), so a request the
//! document calls valid is taken, and one it calls invalid is refused.

use baoxiu_sync_core::complaint::{
    MAX_ACCOUNTABILITY, MAX_NOTE_CHARS, MAX_REMEDIES, Rating, RemedyKind, ReplyForm, RootCause,
};
use baoxiu_sync_core::rules::MAX_AMOUNT;
use serde_json::Value;
use strum::VariantNames;
use utoipa::openapi::schema::{
    Array, ArrayBuilder, KnownFormat, Object, ObjectBuilder, OneOf, OneOfBuilder, SchemaFormat,
    SchemaType, Type,
};

pub const ORDER_STATUSES: &[&str] = &[
    "logged",
    "received",
    "priced",
    "assigned",
    "scheduled",
    "on_site",
    "in_progress",
    "completed",
    "accepted",
    "closed",
    "refused",
    "cancelled",
];
/// Channels of an order logged through the API (field orders come from devices).
pub const INTAKE_CHANNELS: &[&str] = &["walk_in", "phone", "verbal", "app"];
/// Roles an office's admin can give a person (head office is the company's, R-CS-HQ).
pub const ROLES: &[&str] = &[
    "front_desk",
    "administrator",
    "dispatcher",
    "technician",
    "finance",
    "supervisor",
    "cs_agent",
    "qa_inspector",
    "cs_manager",
    "driver",
    "fleet_manager",
    "leader",
    "logistics_clerk",
    "department_head",
    "shop",
    "admin",
];
pub const CALLBACK_METHODS: &[&str] = &["phone", "on_site", "online_survey"];
pub const CALLBACK_STATUSES: &[&str] = &["planned", "done", "failed", "cancelled"];
pub const PASS_FAIL: &[&str] = &["pass", "fail"];
pub const CALENDAR_KINDS: &[&str] = &["cn", "weekends"];
pub const COMPLAINT_STATUSES: &[&str] = &[
    "incomplete",
    "awaiting_acceptance",
    "accepted",
    "decided",
    "closed",
    "not_accepted",
    "transferred",
    "merged",
];
/// A UUID as the server writes it (hyphenated).
pub const UUID: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
/// A day that exists, `YYYY-MM-DD` (the 29th of February in leap years only).
pub const DAY: &str = concat!(
    "^(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])",
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))",
    "|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)$"
);
pub const OUTCOMES: &[&str] = &["upheld", "partly_upheld", "not_upheld"];
pub const EXPORT_FORMATS: &[&str] = &["json", "csv", "xlsx"];
pub const LANGS: &[&str] = &["zh", "en"];

fn names(values: &[&str], nullable: bool) -> Object {
    let mut all: Vec<Value> = values.iter().map(|v| Value::from(*v)).collect();
    let ty = if nullable {
        all.push(Value::Null);
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(ty)
        .enum_values(Some(all))
        .build()
}

fn string(pattern: &str, format: KnownFormat, nullable: bool) -> Object {
    let ty = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(ty)
        .format(Some(SchemaFormat::KnownFormat(format)))
        .pattern(Some(pattern))
        .build()
}

pub fn uuid() -> Object {
    string(UUID, KnownFormat::Uuid, false)
}
pub fn uuid_or_null() -> Object {
    string(UUID, KnownFormat::Uuid, true)
}
pub fn uuids() -> Array {
    ArrayBuilder::new().items(uuid()).build()
}
pub fn day() -> Object {
    string(DAY, KnownFormat::Date, false)
}
pub fn day_or_null() -> Object {
    string(DAY, KnownFormat::Date, true)
}
/// Day → working (true), not working (false), or null to remove the override.
pub fn day_overrides() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Object))
        .property_names(Some(day()))
        .additional_properties(Some(
            ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::Boolean, Type::Null])),
        ))
        .build()
}

fn text_or_null() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .build()
}

fn not_blank() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(Some(r"\S"))
        .build()
}

fn bounded_text(min_pattern: bool) -> Object {
    let mut o = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .max_length(Some(MAX_NOTE_CHARS));
    if min_pattern {
        o = o.pattern(Some(r"\S"));
    }
    o.build()
}

/// R-CPL-DECIDE: what the office does (a redo names its order, compensation its amount;
/// a complaint not upheld is explained — the handler says so when the mix is wrong).
fn remedies() -> Array {
    let amount = ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
        .minimum(Some(1))
        .maximum(Some(MAX_AMOUNT));
    let remedy = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Object))
        .property("kind", names(RemedyKind::VARIANTS, false))
        .required("kind")
        .property("order", uuid_or_null())
        .property("amount", amount)
        .property("note", bounded_text(false));
    ArrayBuilder::new()
        .items(remedy)
        .min_items(Some(1))
        .max_items(Some(MAX_REMEDIES))
        .build()
}

/// R-CPL-REFERRAL: the referring body, its case number, the day and form it wants.
fn referral() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Object))
        .property("body", bounded_text(true))
        .required("body")
        .property("reference", bounded_text(false))
        .property("reply_due", day())
        .required("reply_due")
        .property("form", names(ReplyForm::VARIANTS, false))
        .required("form")
        .build()
}

/// R-CPL-EVAL: the rating, who is held to account and for what, a note.
fn evaluation() -> Object {
    let held = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Object))
        .property("person", uuid_or_null())
        .property("name", bounded_text(false))
        .property("what", bounded_text(true))
        .required("what");
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Object))
        .property("rating", names(Rating::VARIANTS, false))
        .required("rating")
        .property(
            "accountability",
            ArrayBuilder::new()
                .items(held)
                .max_items(Some(MAX_ACCOUNTABILITY)),
        )
        .property("note", bounded_text(false))
        .build()
}

/// An action on a complaint: one shape per action (and per answer), each saying what it
/// needs (R-CPL-INCOMPLETE, R-CPL-ACCEPT, R-CPL-REJECT, R-CPL-DECIDE).
pub fn complaint_action() -> OneOf {
    // (action, answer's decision, required fields beyond `action`, description)
    let shapes: &[(&str, Option<&str>, &[&str], &str)] = &[
        (
            "notice",
            None,
            &["missing"],
            "a supplement notice: what the complainant must add",
        ),
        ("material", None, &[], "the material is complete"),
        ("answer", Some("accept"), &[], "accept the complaint"),
        (
            "answer",
            Some("refuse"),
            &["reason"],
            "refuse it, with the reason",
        ),
        (
            "answer",
            Some("transfer"),
            &["transfer_to"],
            "transfer it to a unit or department",
        ),
        (
            "decide",
            None,
            &["outcome", "text", "remedies"],
            "the decision, its text and its remedies (R-CPL-DECIDE)",
        ),
        ("told", None, &[], "the complainant was told the decision"),
        (
            "refer",
            None,
            &["referral"],
            "a regulator referred it: the body, its reply date and form (R-CPL-REFERRAL)",
        ),
        (
            "report_sent",
            None,
            &[],
            "the written report went to the referring body (R-CPL-REFERRAL)",
        ),
        (
            "evaluate",
            None,
            &["evaluation"],
            "the handling evaluated, with accountability (R-CPL-EVAL)",
        ),
    ];
    let mut one_of = OneOfBuilder::new();
    for (action, decision, needs, what) in shapes {
        let mut o = ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .description(Some(*what))
            .property("action", names(&[action], false))
            .required("action")
            .property("day", day_or_null());
        for field in ["missing", "reason", "transfer_to", "text"] {
            if needs.contains(&field) {
                o = o.property(field, not_blank()).required(field);
            } else {
                o = o.property(field, text_or_null());
            }
        }
        o = match decision {
            Some(d) => o
                .property("decision", names(&[d], false))
                .required("decision"),
            None => o.property("decision", text_or_null()),
        };
        if needs.contains(&"remedies") {
            o = o
                .property("remedies", remedies())
                .required("remedies")
                .property("root_cause", names(RootCause::VARIANTS, true));
        }
        if needs.contains(&"referral") {
            o = o.property("referral", referral()).required("referral");
        }
        if needs.contains(&"evaluation") {
            o = o
                .property("evaluation", evaluation())
                .required("evaluation");
        }
        o = o.property("note", text_or_null());
        o = if needs.contains(&"outcome") {
            o.property("outcome", names(OUTCOMES, false))
                .required("outcome")
        } else {
            o.property("outcome", text_or_null())
        };
        one_of = one_of.item(o.build());
    }
    one_of.build()
}

/// The kinds of case other than work orders (S3).
pub const CASE_KINDS: &[&str] = &[
    "vehicle_repair",
    "vehicle_log",
    "requisition",
    "stock_count",
    "purchase_plan",
];
pub fn case_kind() -> Object {
    names(CASE_KINDS, false)
}
pub fn order_status() -> Object {
    names(ORDER_STATUSES, false)
}
pub fn intake_channel() -> Object {
    names(INTAKE_CHANNELS, false)
}
pub fn role() -> Object {
    names(ROLES, false)
}
pub fn qa_subject() -> Object {
    names(baoxiu_sync_core::qa::Subject::VARIANTS, false)
}
pub fn contact_kind() -> Object {
    names(baoxiu_sync_core::contact::ContactKind::VARIANTS, false)
}
pub fn contact_status() -> Object {
    names(&["open", "order", "complaint", "closed"], false)
}
pub fn task_attention() -> Object {
    names(&["overdue", "due_soon", "reminded"], true)
}
pub fn improvement_source() -> Object {
    names(baoxiu_sync_core::improvement::Source::VARIANTS, false)
}
pub fn improvement_stage() -> Object {
    names(baoxiu_sync_core::improvement::Stage::VARIANTS, false)
}
pub fn customer_kind() -> Object {
    names(baoxiu_sync_core::customer::CustomerKind::VARIANTS, false)
}
pub fn churn_type() -> Object {
    names(baoxiu_sync_core::customer::ChurnType::VARIANTS, false)
}
pub fn churn_cause() -> Object {
    names(baoxiu_sync_core::customer::ChurnCause::VARIANTS, false)
}
/// A customer's phones: at most 5, each with at least three digits.
pub fn phones() -> Array {
    let phone = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(Some("^[^0-9]*[0-9][^0-9]*[0-9][^0-9]*[0-9]"))
        .max_length(Some(200));
    ArrayBuilder::new().items(phone).max_items(Some(5)).build()
}
pub fn training_kind() -> Object {
    names(baoxiu_sync_core::training::TrainingKind::VARIANTS, false)
}
pub fn callback_method() -> Object {
    names(CALLBACK_METHODS, false)
}
pub fn callback_method_or_null() -> Object {
    names(CALLBACK_METHODS, true)
}
/// S5 25: the kinds of a programme's call-backs, each once.
pub fn visit_kinds() -> Array {
    ArrayBuilder::new()
        .items(names(
            baoxiu_sync_core::programme::VisitKind::VARIANTS,
            false,
        ))
        .min_items(Some(1))
        .max_items(Some(baoxiu_sync_core::programme::VisitKind::VARIANTS.len()))
        .unique_items(true)
        .build()
}
/// S5 8: the quality dimensions a questionnaire asks, each once.
pub fn dimensions() -> Array {
    ArrayBuilder::new()
        .items(names(
            baoxiu_sync_core::questionnaire::Dimension::VARIANTS,
            false,
        ))
        .max_items(Some(5))
        .unique_items(true)
        .build()
}
/// The questionnaire's free questions (at most 10, each 1–300 characters, not blank).
pub fn questions() -> Array {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .min_length(Some(1))
                .max_length(Some(baoxiu_sync_core::questionnaire::MAX_QUESTION))
                .pattern(Some(r"\S")),
        )
        .max_items(Some(baoxiu_sync_core::questionnaire::MAX_QUESTIONS))
        .build()
}
/// R-VISIT: the ways of calling, in the order they are tried, each once.
pub fn callback_methods() -> Array {
    ArrayBuilder::new()
        .items(names(CALLBACK_METHODS, false))
        .min_items(Some(1))
        .max_items(Some(CALLBACK_METHODS.len()))
        .unique_items(true)
        .build()
}
pub fn callback_status() -> Object {
    names(CALLBACK_STATUSES, false)
}
pub fn pass_fail_or_null() -> Object {
    names(PASS_FAIL, true)
}
pub fn calendar_kind_or_null() -> Object {
    names(CALENDAR_KINDS, true)
}
pub fn complaint_channel() -> Object {
    names(baoxiu_sync_core::complaint::CHANNELS, false)
}
pub fn complaint_status() -> Object {
    names(COMPLAINT_STATUSES, false)
}
pub fn export_format() -> Object {
    names(EXPORT_FORMATS, false)
}
pub fn lang() -> Object {
    names(LANGS, false)
}
const MONTH_VIEWS: &[&str] = &["live", "filed"];
pub fn month_view() -> Object {
    names(MONTH_VIEWS, false)
}

/// S5 8: a customer's scores (1–5, or null) on the five quality dimensions.
fn scores() -> Object {
    let score = || {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
            .minimum(Some(1))
            .maximum(Some(5))
    };
    let mut o = ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .additional_properties(Some(
            utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
        ));
    for d in baoxiu_sync_core::questionnaire::Dimension::VARIANTS {
        o = o.property(*d, score());
    }
    o.build()
}

/// The free questions' answers, each naming its question.
fn answers() -> Array {
    use baoxiu_sync_core::questionnaire::{MAX_ANSWER, MAX_QUESTION, MAX_QUESTIONS};
    let answer = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Object))
        .property(
            "question",
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .min_length(Some(1))
                .max_length(Some(MAX_QUESTION))
                .pattern(Some(r"\S")),
        )
        .required("question")
        .property(
            "answer",
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .max_length(Some(MAX_ANSWER)),
        )
        .required("answer")
        .additional_properties(Some(
            utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
        ));
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(answer)
        .max_items(Some(MAX_QUESTIONS))
        .build()
}

/// R-VISIT-RECORD: what a call-back's record may be — not reached (a fallback may follow);
/// reached, with satisfaction or whether the repair held (or both); and either of those
/// with a problem found and its owner, for whom a task is opened (R-VISIT-OWNER).
pub fn callback_result() -> utoipa::openapi::schema::AnyOf {
    use utoipa::openapi::schema::AnyOfBuilder;
    let null = || {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Null))
            .build()
    };
    let score = |nullable: bool| {
        let ty = if nullable {
            SchemaType::from_iter([Type::Integer, Type::Null])
        } else {
            SchemaType::Type(Type::Integer)
        };
        ObjectBuilder::new()
            .schema_type(ty)
            .minimum(Some(1))
            .maximum(Some(5))
            .build()
    };
    let flag = |v: bool| {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Boolean))
            .enum_values(Some([Value::Bool(v)]))
            .build()
    };
    let int_or_null = || {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
            .build()
    };
    // (reached, satisfaction required, repair held required, with a task owner, what)
    let shapes: [(bool, bool, bool, bool, &str); 5] = [
        (
            false,
            false,
            false,
            false,
            "not reached: the next way to try, if any",
        ),
        (
            true,
            true,
            false,
            false,
            "reached: satisfaction (and whether the repair held)",
        ),
        (
            true,
            false,
            true,
            false,
            "reached: whether the repair held (and satisfaction)",
        ),
        (
            true,
            true,
            false,
            true,
            "reached, satisfaction, a problem and its owner",
        ),
        (
            true,
            false,
            true,
            true,
            "reached, repair held, a problem and its owner",
        ),
    ];
    let mut any = AnyOfBuilder::new();
    for (reached, sat, held, owner, what) in shapes {
        let mut o = ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .description(Some(what))
            .property("reached", flag(reached))
            .required("reached")
            .property("responsible", text_or_null())
            .property(
                "content",
                ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)),
            )
            .property("fallback_method", callback_method_or_null())
            .property("fallback_at", int_or_null());
        o = match (reached, sat) {
            (false, _) => o.property("satisfaction", null()),
            (true, true) => o
                .property("satisfaction", score(false))
                .required("satisfaction"),
            (true, false) => o.property("satisfaction", score(true)),
        };
        o = match (reached, held) {
            (false, _) => o.property("repair_held", null()),
            (true, true) => o
                .property("repair_held", names(PASS_FAIL, false))
                .required("repair_held"),
            (true, false) => o.property("repair_held", pass_fail_or_null()),
        };
        o = if reached {
            o.property("scores", scores())
                .property("answers", answers())
        } else {
            o.property("scores", null()).property("answers", null())
        };
        o = if owner {
            o.property("problems", not_blank())
                .required("problems")
                .property("task_owner", uuid())
                .required("task_owner")
        } else {
            o.property(
                "problems",
                ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)),
            )
            .property("task_owner", null())
        };
        any = any.item(o.build());
    }
    any.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use baoxiu_sync_core::calendar::CalendarKind;
    use baoxiu_sync_core::callback::{CallbackMethod, CallbackStatus};
    use baoxiu_sync_core::{Channel, PassFail, Role, Status};

    fn all_parse<T: std::str::FromStr>(names: &[&str]) {
        for n in names {
            assert!(n.parse::<T>().is_ok(), "{n} does not parse");
        }
    }

    #[test]
    fn every_listed_name_is_one_the_server_takes() {
        use strum::VariantArray;
        all_parse::<Status>(ORDER_STATUSES);
        assert_eq!(ORDER_STATUSES.len(), Status::VARIANTS.len());
        all_parse::<Role>(ROLES);
        assert_eq!(
            ROLES.len() + 2,
            Role::VARIANTS.len(),
            "every role but system and head office"
        );
        assert!(!ROLES.contains(&Role::HeadOffice.as_str()));
        all_parse::<CallbackMethod>(CALLBACK_METHODS);
        all_parse::<CallbackStatus>(CALLBACK_STATUSES);
        all_parse::<PassFail>(PASS_FAIL);
        all_parse::<CalendarKind>(CALENDAR_KINDS);
        all_parse::<baoxiu_sync_core::complaint::Status>(COMPLAINT_STATUSES);
        for c in INTAKE_CHANNELS {
            let parsed: Channel = serde_json::from_value(Value::from(*c)).unwrap();
            assert_ne!(parsed, Channel::Field);
        }
    }
}

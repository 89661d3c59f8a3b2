//! OpenAPI schemas that the derive cannot state exactly (feature `openapi`): a list of
//! `[item, quantity]` pairs is a list of two-element arrays, not of any length.

use crate::supplies::ledger::MAX_QUANTITY;
use utoipa::openapi::schema::{
    ArrayBuilder, ArrayItems, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};

fn pairs(second: ObjectBuilder) -> ArrayBuilder {
    let pair = ArrayBuilder::new()
        .prefix_items([
            Schema::from(ObjectBuilder::new().schema_type(Type::String)),
            Schema::from(second),
        ])
        .items(ArrayItems::False)
        .min_items(Some(2))
        .max_items(Some(2));
    ArrayBuilder::new().items(pair).max_items(Some(200))
}

/// `[[item code, units 0–10⁹], …]` (the bounds of `kinds::limits`).
pub fn item_units() -> ArrayBuilder {
    pairs(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(0))
            .maximum(Some(MAX_QUANTITY)),
    )
}

/// `[[item code, signed units within ±10⁹], …]`.
pub fn item_deltas() -> ArrayBuilder {
    pairs(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(i64::try_from(MAX_QUANTITY).map_or(i64::MIN, |q| -q)))
            .maximum(Some(MAX_QUANTITY)),
    )
}

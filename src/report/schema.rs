//! `locksmith schema`: the modelled schema as DDL or JSON.

use serde_json::{Value, json};

use crate::schema::{Catalog, ddl};

/// DDL that recreates the schema on an empty database, headed by where it comes from.
pub fn render_sql(catalog: &Catalog, heading: &str) -> String {
    let mut out = format!("-- {heading}\n");
    if catalog.opaque > 0 {
        out.push_str(&format!(
            "-- {} statements not modelled (functions, triggers, grants, data changes) are left out\n",
            catalog.opaque
        ));
    }
    out.push_str(&ddl::render(catalog));
    out
}

/// The catalog as JSON, objects keyed by their qualified name.
pub fn render_json(catalog: &Catalog) -> String {
    fn keyed<V: serde::Serialize>(map: &crate::schema::KeyMap<V>) -> Value {
        Value::Object(
            map.iter()
                .map(|(k, v)| {
                    (
                        ddl::qualified(k),
                        serde_json::to_value(v).unwrap_or(Value::Null),
                    )
                })
                .collect(),
        )
    }
    let value = json!({
        "schemas": catalog.schemas,
        "tables": keyed(&catalog.tables),
        "indexes": keyed(&catalog.indexes),
        "enums": keyed(&catalog.enums),
        "sequences": keyed(&catalog.sequences),
        "views": keyed(&catalog.views),
        "statements_not_modelled": catalog.opaque,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

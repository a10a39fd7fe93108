//! `locksmith schema`: the schema the migrations under a path build, at their heads or at
//! a revision, as DDL or JSON. Nothing is run: the SQL is replayed on the schema model.

use locksmith::lint::history::{alembic_schema_at, sql_schema_at};
use locksmith::report;
use locksmith::run::load_inputs;

use super::lint::default_paths;
use super::{Common, SchemaFormat, load_config, print};

pub(crate) fn run(paths: &[String], at: Option<&str>, format: SchemaFormat, common: &Common) -> u8 {
    let (config, config_error) = match load_config(common) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let paths = match default_paths(paths) {
        Ok(paths) => paths,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let mut loaded = load_inputs(&paths, &config);
    loaded.errors.splice(0..0, config_error);
    eprint!(
        "{}",
        report::human::input_errors("warning", &loaded.warnings)
    );
    if !loaded.errors.is_empty() {
        eprint!("{}", report::human::input_errors("error", &loaded.errors));
        return 2;
    }
    let (sources, projects) = loaded.sources_and_projects();
    // One schema: one Alembic project, or one set of .sql migrations.
    let result = match (projects.as_slice(), sources.is_empty()) {
        ([project], true) => alembic_schema_at(project, at),
        ([], false) => sql_schema_at(&sources, at),
        _ => Err("give the migrations of one project: one Alembic project, or .sql files".into()),
    };
    let catalog = match result {
        Ok(catalog) => catalog,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let heading = format!(
        "schema modelled from {} at {}",
        paths.join(" "),
        at.unwrap_or("the latest migration")
    );
    let mut text = match format {
        SchemaFormat::Sql => report::schema::render_sql(&catalog, &heading),
        SchemaFormat::Json => report::schema::render_json(&catalog),
    };
    // Templated migrations' names, as the files write them (the catalog has stand-ins);
    // each file's templates are its own (a `\set` or an open quote ends with its file).
    for source in &sources {
        let templates = locksmith::parse::template::stood_in(&source.text);
        match format {
            SchemaFormat::Sql => templates.restore(&mut text),
            SchemaFormat::Json => templates.restore_as(&mut text, |template| {
                let quoted = serde_json::to_string(template).expect("a string serialises");
                quoted[1..quoted.len() - 1].to_string()
            }),
        }
    }
    print(&text);
    0
}

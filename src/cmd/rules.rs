//! `authlens rules`: the effective server-message catalog.

use crate::classify::catalog::Catalog;
use crate::cli::RulesArgs;
use crate::cmd::{Exit, UserError};

pub fn run(args: &RulesArgs) -> Result<Exit, UserError> {
    let mut catalog = Catalog::builtin();
    if let Some(path) = &args.rules {
        catalog = catalog
            .with_rules_file(path)
            .map_err(|e| UserError(e.to_string()))?;
    }
    print!("{}", crate::classify::catalog::render_rules_table(&catalog));
    Ok(Exit::Ok)
}

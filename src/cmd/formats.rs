//! `authlens formats`: the log formats and what each extracts.

use crate::cmd::Exit;

pub fn run() -> Exit {
    let formats = crate::logs::describe_formats();
    let width = formats.iter().map(|f| f.id.len()).max().unwrap_or(6).max(6);
    println!("{:<width$}  description / fields", "format");
    for f in formats {
        println!("{:<width$}  {}", f.id, f.description);
        println!("{:<width$}  fields: {}", "", f.fields);
    }
    println!("\nHAR 1.1/1.2 from any producer is recognised by content; .gz and .zst are decompressed transparently.");
    Exit::Ok
}

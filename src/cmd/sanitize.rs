//! `authlens sanitize`: one HAR, stdin, or a directory tree of HARs, each
//! written with its secrets replaced; a summary of what was replaced on
//! stderr. Output files appear only when complete.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::cli::SanitizeArgs;
use crate::cmd::{Exit, UserError};
use crate::report::escape::terminal;
use crate::sanitize::{Sanitizer, Stats};

pub fn run(args: &SanitizeArgs) -> Result<Exit, UserError> {
    let rules = Sanitizer::new(&args.keys);
    let stdin = args.input.as_os_str() == "-";
    if !stdin && args.input.is_dir() {
        return run_dir(&rules, &args.input, &args.output);
    }
    let stats = if stdin {
        let name = Path::new("<stdin>");
        if args.output.as_os_str() == "-" {
            sanitize_to_stdout(&rules, io::stdin().lock(), name)?
        } else {
            sanitize_to_file(&rules, io::stdin().lock(), name, &args.output)?
        }
    } else {
        let file = File::open(&args.input)
            .map_err(|e| UserError(format!("cannot open {}: {e}", shown(&args.input))))?;
        if args.output.as_os_str() == "-" {
            sanitize_to_stdout(&rules, file, &args.input)?
        } else {
            if same_file(&args.input, &args.output) {
                return Err(UserError(format!(
                    "{}: the output would overwrite the input; choose another -o",
                    shown(&args.output)
                )));
            }
            sanitize_to_file(&rules, file, &args.input, &args.output)?
        }
    };
    eprintln!("authlens: sanitized {}: {stats}", shown(&args.input));
    Ok(Exit::Ok)
}

fn shown(p: &Path) -> String {
    terminal(&p.display().to_string())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn sanitize_to_stdout<R: io::Read>(
    rules: &Sanitizer,
    input: R,
    name: &Path,
) -> Result<Stats, UserError> {
    let stdout = io::stdout().lock();
    rules
        .sanitize(BufReader::new(input), BufWriter::new(stdout))
        .map_err(|e| UserError(format!("{}: {e} (the output is incomplete)", shown(name))))
}

/// Write to `OUT.partial` beside the output, rename when complete.
fn sanitize_to_file<R: io::Read>(
    rules: &Sanitizer,
    input: R,
    name: &Path,
    out: &Path,
) -> Result<Stats, UserError> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .map_err(|e| UserError(format!("cannot create {}: {e}", shown(parent))))?;
    }
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = File::create(&partial)
        .map_err(|e| UserError(format!("cannot write {}: {e}", shown(&partial))))?;
    let mut writer = BufWriter::new(file);
    let result = rules
        .sanitize(BufReader::new(input), &mut writer)
        .and_then(|stats| writer.flush().map(|_| stats).map_err(Into::into));
    drop(writer);
    match result {
        Ok(stats) => {
            fs::rename(&partial, out)
                .map_err(|e| UserError(format!("cannot write {}: {e}", shown(out))))?;
            Ok(stats)
        }
        Err(e) => {
            let _ = fs::remove_file(&partial);
            Err(UserError(format!(
                "{}: {e}; nothing was written to {}",
                shown(name),
                shown(out)
            )))
        }
    }
}

/// Every `*.har` under `dir`, written to the same relative path under `out`.
fn run_dir(rules: &Sanitizer, dir: &Path, out: &Path) -> Result<Exit, UserError> {
    if out.as_os_str() == "-" {
        return Err(UserError(
            "a directory input needs an output directory, not -".into(),
        ));
    }
    let mut files = Vec::new();
    collect_hars(dir, &mut files)
        .map_err(|e| UserError(format!("cannot read {}: {e}", shown(dir))))?;
    files.sort();
    if files.is_empty() {
        return Err(UserError(format!("no .har files under {}", shown(dir))));
    }
    let out_abs = fs::canonicalize(out).ok();
    let mut total = Stats::default();
    let mut failed = 0;
    for path in &files {
        // An output directory inside the input one is not input.
        if let Some(o) = &out_abs {
            if fs::canonicalize(path).is_ok_and(|p| p.starts_with(o)) {
                continue;
            }
        }
        let rel = path.strip_prefix(dir).unwrap_or(path);
        let target = out.join(rel);
        let result = File::open(path)
            .map_err(|e| UserError(format!("cannot open {}: {e}", shown(path))))
            .and_then(|f| sanitize_to_file(rules, f, path, &target));
        match result {
            Ok(stats) => {
                eprintln!("authlens: sanitized {}: {stats}", shown(path));
                total.merge(&stats);
            }
            Err(e) => {
                eprintln!("authlens: {e}");
                failed += 1;
            }
        }
    }
    eprintln!(
        "authlens: {} of {} file(s) sanitized: {total}",
        files.len() - failed,
        files.len()
    );
    Ok(if failed == 0 {
        Exit::Ok
    } else if failed == files.len() {
        Exit::Failure
    } else {
        Exit::Partial
    })
}

fn collect_hars(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_hars(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("har"))
        {
            out.push(path);
        }
    }
    Ok(())
}

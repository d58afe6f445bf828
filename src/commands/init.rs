//! `stack init`: survey the repository, print the stack.yaml for it, write it when asked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::cli::InitArgs;
use crate::commands::project::write_manifest;
use crate::commands::schema::write_schema;
use crate::detect::detection::looked_for;
use crate::error::Error;
use crate::init::survey::survey;
use crate::init::yaml::render;
use crate::manifest::dotenv::parse_dotenv;
use crate::manifest::load::DOTENV;
use crate::manifest::locate::{FILE_NAMES, display_path};
use crate::manifest::read::{ENV_FILE_LIMIT, read_regular};
use crate::manifest::schema::{MODELINE, SCHEMA_FILE};
use crate::settings::Settings;
use crate::ui::printer::Printer;

/// `${VAR:?message}` and `${VAR?message}`: loading fails while VAR is unset.
static REQUIRED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?").expect("a valid pattern"));

pub(crate) fn init(settings: &Settings, printer: &Printer, args: &InitArgs) -> Result<(), Error> {
    let file = settings.files.first().map_or_else(
        || settings.cwd.join(FILE_NAMES[0]),
        |f| settings.cwd.join(f),
    );
    let root = file
        .parent()
        .map_or_else(|| settings.cwd.clone(), Path::to_path_buf);
    let shown = display_path(&file, &settings.cwd);
    let existing = existing_manifest(&file, &root);
    if let Some(existing) = &existing
        && args.write
        && !args.force
    {
        return Err(Error::Usage {
            message: format!(
                "{} already exists; init does not overwrite it",
                display_path(existing, &settings.cwd).display()
            ),
            hint: Some(
                "pass `--force` to replace it, or run `stack init` without `--write` and merge what it prints"
                    .to_string(),
            ),
        });
    }

    let survey = survey(&root);
    if survey.draft.services.is_empty() {
        // The working directory shows as an empty relative path: name it in full.
        let shown_root = display_path(&root, &settings.cwd);
        let shown_root = if shown_root.as_os_str().is_empty() {
            root.clone()
        } else {
            shown_root
        };
        return Err(Error::Usage {
            message: format!("found no services in {}", shown_root.display()),
            hint: Some(format!(
                "looked for {} and Dockerfile in every folder but dependencies and hidden ones; run init at the repository's root",
                looked_for().join(", ")
            )),
        });
    }
    for warning in &survey.warnings {
        printer.warn(warning);
    }
    let names: Vec<&str> = survey
        .draft
        .services
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let compose = survey
        .compose_file
        .map(|f| format!(" (with {f})"))
        .unwrap_or_default();
    printer.status(&format!(
        "found {} services{compose}: {}",
        names.len(),
        names.join(", ")
    ));
    // The modeline points editors at the schema `--write` puts beside the manifest.
    let text = format!("{MODELINE}\n{}", render(&survey.draft));

    if !args.write {
        printer.data(&text);
        match existing {
            Some(existing) => printer.status(&format!(
                "not written: {} exists (`stack init --write --force` replaces it)",
                display_path(&existing, &settings.cwd).display()
            )),
            None => printer.status(&format!(
                "not written: `stack init --write` writes it to {}",
                shown.display()
            )),
        }
        return Ok(());
    }
    write_manifest(
        &file,
        &shown,
        &text,
        &check_env(&file, &text, &settings.env),
    )?;
    write_schema(&root)?;
    printer.status(&format!(
        "wrote {} and {SCHEMA_FILE} for editors; next: `stack up`",
        shown.display()
    ));
    Ok(())
}

/// The manifest init would replace: the target itself, or its other spelling next to it.
fn existing_manifest(file: &Path, root: &Path) -> Option<PathBuf> {
    std::iter::once(file.to_path_buf())
        .chain(FILE_NAMES.iter().map(|name| root.join(name)))
        .find(|path| path.is_file())
}

/// The environment the check loads with. It is about what init wrote, not about this
/// shell: a variable the manifest requires (`${VAR:?…}`, carried over from compose) that
/// neither the environment nor `.env` sets gets a stand-in.
fn check_env(file: &Path, text: &str, env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    // Read as the loader reads it: a FIFO or a device named .env must not hang init.
    let dotenv: Vec<String> = file
        .parent()
        .and_then(|root| read_regular(&root.join(DOTENV), ENV_FILE_LIMIT).ok())
        .and_then(|bytes| parse_dotenv(&bytes).ok())
        .map(|pairs| pairs.into_iter().map(|(key, _)| key).collect())
        .unwrap_or_default();
    let mut env = env.clone();
    for captures in REQUIRED.captures_iter(text) {
        let name = &captures[1];
        if !dotenv.iter().any(|key| key == name) {
            env.entry(name.to_string())
                .or_insert_with(|| "stack-init-check".to_string());
        }
    }
    env
}

//! A built service's `build:` section: packages, build arguments, the Debian release.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::manifest::check::env::VARIABLE;
use crate::manifest::checker::Checker;
use crate::manifest::located::Located;
use crate::manifest::raw::RawBuild;
use crate::manifest::service::{BuildOptions, DEBIAN_RELEASES};
use crate::manifest::suggest::did_you_mean;
use crate::manifest::value::Value;

/// Debian package names (with an optional `=version`): they are written into `RUN` lines.
static PACKAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$").expect("a valid pattern")
});

pub(crate) fn check_build(checker: &mut Checker<'_>, raw: &RawBuild) -> Option<BuildOptions> {
    let mut packages = |value: &Option<Located<Value>>, field: &str| -> Option<Vec<String>> {
        let Some(value) = value else {
            return Some(Vec::new());
        };
        let names = checker.texts(value, field)?;
        let mut ok = true;
        for name in &names {
            if !PACKAGE.is_match(&name.value) {
                ok = false;
                checker.error(
                    name.pos,
                    format!("`{}` is not a Debian package name", name.value),
                    Some("package names are lowercase, like `libpq-dev` or `g++`".to_string()),
                );
            }
        }
        ok.then(|| names.into_iter().map(|n| n.value).collect())
    };
    let build_packages = packages(&raw.build_packages, "build.build_packages");
    let system_packages = packages(&raw.system_packages, "build.system_packages");
    let args = match &raw.args {
        Some(value) => check_args(checker, value),
        None => Some(BTreeMap::new()),
    };
    let debian = match &raw.debian {
        Some(value) => check_debian(checker, value),
        None => Some(DEBIAN_RELEASES[0].to_string()),
    };
    Some(BuildOptions {
        build_packages: build_packages?,
        system_packages: system_packages?,
        args: args?,
        debian: debian?,
    })
}

fn check_debian(checker: &mut Checker<'_>, value: &Located<Value>) -> Option<String> {
    let release = checker.text(value, "build.debian")?;
    if DEBIAN_RELEASES.contains(&release.value.as_str()) {
        return Some(release.value);
    }
    checker.error(
        release.pos,
        format!(
            "`{}` is not a Debian release stack builds on",
            release.value
        ),
        Some(did_you_mean(
            &release.value,
            DEBIAN_RELEASES,
            "releases are",
        )),
    );
    None
}

fn check_args(
    checker: &mut Checker<'_>,
    value: &Located<Value>,
) -> Option<BTreeMap<String, String>> {
    let mut args = BTreeMap::new();
    let mut ok = true;
    for (key, val) in checker.text_map(value, "build.args")? {
        if !VARIABLE.is_match(&key.value) {
            ok = false;
            checker.error(
                key.pos,
                format!("`{}` is not a valid build argument name", key.value),
                Some("use letters, digits and `_`".to_string()),
            );
            continue;
        }
        args.insert(key.value, val.map(|v| v.value).unwrap_or_default());
    }
    ok.then_some(args)
}

//! A service's `volumes`: named volumes and bind mounts.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::manifest::check::source::normalize;
use crate::manifest::checker::Checker;
use crate::manifest::located::Located;
use crate::manifest::value::Value;
use crate::manifest::volume::{Volume, VolumeSource};

/// Docker volume names.
static VOLUME_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$").expect("a valid pattern"));

pub(crate) fn check_volumes(
    checker: &mut Checker<'_>,
    value: &Located<Value>,
    root: &Path,
) -> Option<Vec<Volume>> {
    let mut volumes = Vec::new();
    let mut ok = true;
    for entry in checker.texts(value, "volumes")? {
        match parse_volume(&entry.value, root) {
            Ok(volume) => volumes.push(volume),
            Err(message) => {
                ok = false;
                checker.error(
                    entry.pos,
                    message,
                    Some("write `name:/path/in/container` for a named volume or `./dir:/path` for a directory; add `:ro` for read-only".to_string()),
                );
            }
        }
    }
    ok.then_some(volumes)
}

fn parse_volume(text: &str, root: &Path) -> Result<Volume, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let (source, target, read_only) = match parts.as_slice() {
        [source, target] => (*source, *target, false),
        [source, target, "ro"] => (*source, *target, true),
        [source, target, "rw"] => (*source, *target, false),
        [_, _, mode] => return Err(format!("volume `{text}`: unknown mode `{mode}`")),
        [] | [_] | [_, _, _, _, ..] => {
            return Err(format!("volume `{text}` is not `source:target`"));
        }
    };
    if !target.starts_with('/') {
        return Err(format!(
            "volume `{text}`: the container path `{target}` is not absolute"
        ));
    }
    let source = if source.starts_with('.') || source.starts_with('/') || source.starts_with('~') {
        let expanded = match source.strip_prefix("~/") {
            Some(rest) => std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(rest))
                .ok_or_else(|| format!("volume `{text}`: HOME is not set"))?,
            None => root.join(source),
        };
        VolumeSource::Bind(normalize(&expanded))
    } else if VOLUME_NAME.is_match(source) {
        VolumeSource::Named(source.to_string())
    } else {
        return Err(format!(
            "volume `{text}`: `{source}` is not a volume name or a path"
        ));
    };
    Ok(Volume {
        source,
        target: target.to_string(),
        read_only,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::parse_volume;
    use crate::manifest::volume::VolumeSource;

    #[test]
    fn volumes_are_named_or_bind_mounts() {
        let root = Path::new("/p");
        let named = parse_volume("pgdata:/var/lib/postgresql/data", root).expect("valid");
        assert_eq!(named.source, VolumeSource::Named("pgdata".to_string()));
        let bind =
            parse_volume("./seed/../init:/docker-entrypoint-initdb.d:ro", root).expect("valid");
        assert_eq!(bind.source, VolumeSource::Bind("/p/init".into()));
        assert!(bind.read_only);
        assert!(parse_volume("data:relative", root).is_err());
        assert!(parse_volume("data:/x:rx", root).is_err());
    }
}

//! A service's `language` and `framework`: known names, and a framework of that language.

use crate::detect::language::{Framework, Language};
use crate::manifest::checker::Checker;
use crate::manifest::located::Located;
use crate::manifest::raw::RawService;
use crate::manifest::suggest::did_you_mean;
use crate::manifest::value::Value;

/// The service's `language` and `framework`, each `None` when absent or invalid (reported).
pub(crate) fn check_language(
    checker: &mut Checker<'_>,
    raw: &RawService,
) -> (Option<Language>, Option<Framework>) {
    let language = raw.language.as_ref().and_then(|value| {
        named(
            checker,
            value,
            "language",
            &Language::ALL,
            Language::name,
            "stack builds",
        )
    });
    let framework = raw.framework.as_ref().and_then(|value| {
        named(
            checker,
            value,
            "framework",
            &Framework::ALL,
            Framework::name,
            "stack knows",
        )
    });
    if let (Some(language), Some(framework), Some(value)) =
        (language, framework, raw.framework.as_ref())
        && let Some(own) = framework.language().filter(|own| *own != language)
    {
        checker.error(
            value.pos,
            format!(
                "framework `{}` is a {} framework, but `language` is {}",
                framework.name(),
                own.name(),
                language.name()
            ),
            Some("remove `language`: the framework implies it".to_string()),
        );
    }
    (language, framework)
}

/// The one of `all` whose `name` is written, or an error that suggests the nearest
/// (`all_label` introduces the full list when none is near).
fn named<T: Copy>(
    checker: &mut Checker<'_>,
    value: &Located<Value>,
    field: &str,
    all: &[T],
    name: fn(T) -> &'static str,
    all_label: &str,
) -> Option<T> {
    let text = checker.text(value, field)?;
    let found = all.iter().copied().find(|item| name(*item) == text.value);
    if found.is_none() {
        let hint = did_you_mean(&text.value, all.iter().map(|item| name(*item)), all_label);
        checker.error(
            text.pos,
            format!("unknown {field} `{}`", text.value),
            Some(hint),
        );
    }
    found
}

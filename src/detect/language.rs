//! The languages and frameworks stack knows how to build.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// Declares a fieldless enum together with `ALL`, every variant in declaration order. The
/// variants are written once, so `ALL` (what `--lang`, the schema and the tests walk) cannot
/// miss one.
macro_rules! enum_with_all {
    (
        $(#[$attr:meta])*
        $vis:vis enum $name:ident {
            $($(#[$variant_attr:meta])* $variant:ident,)+
        }
    ) => {
        $(#[$attr])*
        $vis enum $name {
            $($(#[$variant_attr])* $variant,)+
        }

        impl $name {
            /// Every variant, in declaration order.
            $vis const ALL: [$name; [$($name::$variant,)+].len()] = [$($name::$variant,)+];
        }
    };
}

enum_with_all! {
    /// A programming language stack can generate a Dockerfile for.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
    #[serde(rename_all = "lowercase")]
    pub(crate) enum Language {
        Python,
        Node,
        Go,
        Rust,
        Java,
    }
}

enum_with_all! {
    /// A web framework that changes how a service is built or started; `none` pins plain
    /// detection (a script, or the service's `command`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
    #[serde(rename_all = "lowercase")]
    pub(crate) enum Framework {
        Flask,
        FastApi,
        Django,
        Express,
        /// Create React App (react-scripts): a static site.
        React,
        /// A Vite app (React, Vue, Svelte, plain): a static site.
        Vite,
        Angular,
        /// Vue CLI: a static site.
        Vue,
        /// Next.js: `next start`, or a static site with `output: 'export'`.
        Next,
        /// Nuxt: its Nitro server, or a static site from `nuxt generate`.
        Nuxt,
        /// SvelteKit: its Node server (adapter-node) or a static site (adapter-static).
        Svelte,
        None,
    }
}

impl Language {
    /// The name stack.yaml and messages use, then the other names `--lang` accepts.
    pub(crate) fn names(self) -> &'static [&'static str] {
        match self {
            Language::Python => &["python"],
            Language::Node => &["node", "nodejs", "javascript", "typescript"],
            Language::Go => &["go", "golang"],
            Language::Rust => &["rust"],
            Language::Java => &["java"],
        }
    }

    pub(crate) fn name(self) -> &'static str {
        self.names()[0]
    }
}

impl Framework {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Framework::Flask => "flask",
            Framework::FastApi => "fastapi",
            Framework::Django => "django",
            Framework::Express => "express",
            Framework::React => "react",
            Framework::Vite => "vite",
            Framework::Angular => "angular",
            Framework::Vue => "vue",
            Framework::Next => "next",
            Framework::Nuxt => "nuxt",
            Framework::Svelte => "svelte",
            Framework::None => "none",
        }
    }

    /// The language a framework belongs to, so `framework: flask` alone is enough; `none`
    /// belongs to every language.
    pub(crate) fn language(self) -> Option<Language> {
        match self {
            Framework::Flask | Framework::FastApi | Framework::Django => Some(Language::Python),
            Framework::Express
            | Framework::React
            | Framework::Vite
            | Framework::Angular
            | Framework::Vue
            | Framework::Next
            | Framework::Nuxt
            | Framework::Svelte => Some(Language::Node),
            Framework::None => None,
        }
    }

    /// What the manifest pins: a framework, or `none` (`Some(None)`), or nothing.
    pub(crate) fn pinned(framework: Option<Framework>) -> Option<Option<Framework>> {
        framework.map(|f| (f != Framework::None).then_some(f))
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Language {
    type Err = ();

    /// Any of the language's names, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.to_ascii_lowercase();
        Language::ALL
            .into_iter()
            .find(|language| language.names().contains(&s.as_str()))
            .ok_or(())
    }
}

impl FromStr for Framework {
    type Err = ();

    /// The framework's name, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Framework::ALL
            .into_iter()
            .find(|framework| framework.name().eq_ignore_ascii_case(s))
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Framework, Language};

    #[test]
    fn names_round_trip() {
        for language in Language::ALL {
            for name in language.names() {
                assert_eq!(name.parse::<Language>(), Ok(language));
                assert_eq!(name.to_uppercase().parse::<Language>(), Ok(language));
            }
        }
        for framework in Framework::ALL {
            assert_eq!(framework.name().parse::<Framework>(), Ok(framework));
        }
        assert_eq!("golang".parse::<Language>(), Ok(Language::Go));
        assert_eq!("FastAPI".parse::<Framework>(), Ok(Framework::FastApi));
        assert_eq!("cobol".parse::<Language>(), Err(()));
    }
}

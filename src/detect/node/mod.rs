//! Node services: package manager by lockfile; front ends (Create React App, Vite,
//! Angular, Vue CLI, Next, Nuxt, SvelteKit) built to a static site or run as their server;
//! other apps started from package.json and listening where their code says; native addons
//! compiled in the build stage; the version from .nvmrc, .node-version or engines.node.

mod detector;
mod frontend;
mod manager;
mod package;
mod start;

pub(crate) use detector::{DETECTOR, Node};

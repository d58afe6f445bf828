//! Command-line arguments (clap derives only; meaning is given in settings).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "stack",
    version,
    about = "One stack.yaml, one command: build and run a polyglot dev environment on Docker",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The manifest to use [default: stack.yaml in this or a parent directory]
    #[arg(short, long, global = true, env = "STACK_FILE", value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// When to use colours
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Extra CA certificate (PEM) to trust in builds, e.g. a corporate proxy's; repeatable
    #[arg(
        long = "ca-cert",
        global = true,
        value_name = "PEM",
        env = "STACK_CA_CERT",
        value_delimiter = ':'
    )]
    pub ca_certs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate stack.yaml and print it resolved: variables filled in, defaults applied (JSON)
    Config,
    /// Check that the Docker engine answers and the manifest is valid
    Doctor,
    /// Print the generated Dockerfile of a service
    Dockerfile {
        /// The service, as named in stack.yaml
        service: String,
    },
    /// Write the generated Dockerfile and .dockerignore into the service's directory
    Eject {
        /// The service, as named in stack.yaml
        service: String,
    },
    /// Print the JSON Schema (draft-07) of stack.yaml, for editors
    Schema,
}

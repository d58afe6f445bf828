//! Command-line arguments (clap derives only; meaning is given in settings).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCompleter;

use crate::commands::completion::service_names;

#[derive(Debug, Parser)]
#[command(
    name = "stack",
    version,
    about = "One stack.yaml, one command: build and run a polyglot dev environment on Docker",
    propagate_version = true
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// The manifest to use; repeat to merge several, later files overriding earlier ones
    /// [default: stack.yaml in this or a parent directory, then stack.override.yaml beside it]
    ///
    /// Not global, as in Compose: it goes before the command (`stack -f x.yaml up`), which
    /// leaves `-f` free for `stack logs -f`. So do `-p`, `--env-file` and `--profile`.
    #[arg(
        short,
        long,
        env = "STACK_FILE",
        value_name = "PATH",
        value_delimiter = ':'
    )]
    pub(crate) file: Vec<PathBuf>,

    /// The project name, which labels everything stack creates [default: `name:` in
    /// stack.yaml, else the directory's name]
    #[arg(short = 'p', long, env = "STACK_PROJECT_NAME", value_name = "NAME")]
    pub(crate) project_name: Option<String>,

    /// Read `${VAR}` values from this file instead of the .env beside stack.yaml; repeatable,
    /// later files win
    #[arg(long, value_name = "PATH")]
    pub(crate) env_file: Vec<PathBuf>,

    /// Also run the services of this profile; repeatable (services without `profiles:` always run)
    #[arg(
        long = "profile",
        env = "STACK_PROFILES",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub(crate) profiles: Vec<String>,

    /// When to use colours
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,

    /// Extra CA certificate (PEM) to trust in builds, e.g. a corporate proxy's; repeatable
    #[arg(
        long = "ca-cert",
        global = true,
        value_name = "PEM",
        env = "STACK_CA_CERT",
        value_delimiter = ':'
    )]
    pub(crate) ca_certs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate stack.yaml and print it resolved: variables filled in, defaults applied (JSON)
    Config {
        /// Print only the names of the services that run, one per line
        #[arg(long)]
        services: bool,
    },
    /// Check that the Docker engine answers and the manifest is valid
    Doctor,
    /// Print the generated Dockerfile of a service
    Dockerfile {
        /// The service, as named in stack.yaml
        #[arg(add = ArgValueCompleter::new(service_names))]
        service: String,
    },
    /// Write the generated Dockerfile and .dockerignore into the service's directory
    Eject {
        /// The service, as named in stack.yaml
        #[arg(add = ArgValueCompleter::new(service_names))]
        service: String,
    },
    /// Print the JSON Schema (draft-07) of stack.yaml, for editors
    Schema {
        /// Write it to .stack/schema.json beside stack.yaml, where the
        /// `# yaml-language-server: $schema=.stack/schema.json` line points, instead of printing it
        #[arg(long)]
        write: bool,
    },
    /// Print the script that makes a shell complete commands, flags and service names
    ///
    /// bash: `source <(stack completion bash)` in ~/.bashrc; zsh: `source <(stack completion
    /// zsh)` in ~/.zshrc; fish: `stack completion fish | source` in
    /// ~/.config/fish/completions/stack.fish.
    Completion {
        /// The shell
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Find the services in this repository and print the stack.yaml for them
    Init(InitArgs),
    /// Build what changed, start every service in dependency order and wait until healthy
    Up(UpArgs),
    /// Bring the stack up, then apply edits as they are saved: copied into the running
    /// container (the framework reloads), or only the changed service rebuilt
    ///
    /// Python and Node services run their framework's reloader (uvicorn --reload, Flask's
    /// debug mode, Django's runserver, node --watch); a dependency file or Dockerfile
    /// change rebuilds, as does any change to a Go, Rust or Java service. `watch:` rules in
    /// stack.yaml say otherwise where needed. Ctrl-C stops the stack.
    Watch {
        #[command(flatten)]
        run: RunArgs,
    },
    /// Stop and remove the project's containers and network (volumes with --volumes)
    Down {
        /// Also delete the project's named volumes: their data is lost
        #[arg(short, long)]
        volumes: bool,
        /// Remove what `stack deploy --swarm` deployed instead
        #[arg(long)]
        swarm: bool,
    },
    /// Build the images of services whose build context changed
    Build {
        #[command(flatten)]
        run: RunArgs,
    },
    /// Show what `up` would build, create, recreate and start, without doing it
    Plan {
        /// Print the plan as JSON
        #[arg(long)]
        json: bool,
    },
    /// List the project's containers: state, health, published ports, uptime
    Ps {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Show the services' logs
    Logs {
        /// Keep following new lines, across restarts, until Ctrl-C
        #[arg(short, long)]
        follow: bool,
        /// Lines to show from the end of each service's log
        #[arg(long, value_name = "N")]
        tail: Option<usize>,
        /// Services to show [default: all]
        #[arg(add = ArgValueCompleter::new(service_names))]
        services: Vec<String>,
    },
    /// Run a command in a service's running container
    Exec {
        /// The service, as named in stack.yaml
        #[arg(add = ArgValueCompleter::new(service_names))]
        service: String,
        /// The command and its arguments
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// Restart services (all when none are named) and wait until they are healthy again
    Restart {
        #[command(flatten)]
        run: RunArgs,
        /// Services to restart [default: all]
        #[arg(add = ArgValueCompleter::new(service_names))]
        services: Vec<String>,
    },
    /// Tag the built images for a registry and push them there
    Push(PushArgs),
    /// Write the stack for another engine: Kubernetes manifests or a Swarm Compose file
    Export {
        #[command(subcommand)]
        target: ExportTarget,
    },
    /// Deploy to the engine's swarm, start in dependency order and wait until healthy
    Deploy(DeployArgs),
    /// Create something new in the project; on a terminal, asks what
    New {
        #[command(subcommand)]
        kind: Option<NewKind>,
    },
}

/// `--registry`, shared by the commands that name images in a registry.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct RegistryArg {
    /// The registry, `host[:port]/prefix` [default: `registry:` in stack.yaml]
    #[arg(long, value_name = "HOST[:PORT]/PREFIX")]
    pub(crate) registry: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct PushArgs {
    #[command(flatten)]
    pub(crate) registry: RegistryArg,
    /// How to show progress: bars on a terminal, plain lines, or JSON events on stdout
    #[arg(long, value_enum, default_value_t = ProgressChoice::Auto)]
    pub(crate) progress: ProgressChoice,
    /// Services to push [default: every built service]
    pub(crate) services: Vec<String>,
}

/// What `stack export` writes.
#[derive(Debug, Subcommand)]
pub(crate) enum ExportTarget {
    /// Kubernetes manifests: a kustomize base, overlays/dev and overlays/prod, the gateway
    Kubernetes {
        /// The folder to write [default: k8s next to stack.yaml]
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        #[command(flatten)]
        registry: RegistryArg,
    },
    /// A Compose file (version 3) that `docker stack deploy` accepts
    Compose {
        /// The file to write [default: stdout]
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        registry: RegistryArg,
        #[command(flatten)]
        swarm: SwarmArgs,
    },
}

/// How services are reached on a swarm.
#[derive(Debug, Clone, Args)]
pub(crate) struct SwarmArgs {
    /// How services find each other: `dnsrr` (DNS round robin, ports published on each
    /// node) works on every kernel; `vip` (a virtual IP and the routing mesh) needs IPVS
    #[arg(long, value_enum, default_value_t = EndpointMode::Dnsrr)]
    pub(crate) endpoint_mode: EndpointMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EndpointMode {
    Dnsrr,
    Vip,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct DeployArgs {
    /// Deploy to the Docker engine's swarm (the only target so far)
    #[arg(long, required = true)]
    pub(crate) swarm: bool,
    #[command(flatten)]
    pub(crate) endpoint: SwarmArgs,
    #[command(flatten)]
    pub(crate) registry: RegistryArg,
    /// How to show progress: bars on a terminal, plain lines, or JSON events on stdout
    #[arg(long, value_enum, default_value_t = ProgressChoice::Auto)]
    pub(crate) progress: ProgressChoice,
}

/// What `stack new` creates.
#[derive(Debug, Subcommand)]
pub(crate) enum NewKind {
    /// Write a service skeleton (health endpoint, unit test, README) and add it to stack.yaml
    #[command(disable_version_flag = true)]
    Service(NewServiceArgs),
}

/// `stack new service`: whatever is left out is asked for on a terminal.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct NewServiceArgs {
    /// The service's name: a DNS label (lowercase letters, digits, `-`)
    pub(crate) name: Option<String>,
    /// Its language: python, node, go, rust or java
    #[arg(long = "lang", short = 'l', value_name = "LANGUAGE")]
    pub(crate) language: Option<String>,
    /// Its framework [default: the language's first: fastapi, express, stdlib, axum, httpserver]
    #[arg(long, value_name = "FRAMEWORK")]
    pub(crate) framework: Option<String>,
    /// The port it listens on in the container [default: the framework's usual one]
    #[arg(long, value_name = "PORT")]
    pub(crate) port: Option<u16>,
    /// Where to write it [default: next to the project's other services, else services/NAME]
    #[arg(long, value_name = "DIR")]
    pub(crate) path: Option<PathBuf>,
    /// The language version to pin in the skeleton and in stack.yaml (e.g. 3.11, 18, 1.23)
    #[arg(long, value_name = "VERSION")]
    pub(crate) version: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct InitArgs {
    /// Write stack.yaml (or the `--file` path) instead of only printing it
    #[arg(short, long)]
    pub(crate) write: bool,
    /// With --write, replace an existing stack.yaml
    #[arg(long, requires = "write")]
    pub(crate) force: bool,
}

/// Options shared by the commands that build and start.
#[derive(Debug, Clone, Args)]
pub(crate) struct RunArgs {
    /// Builds to run at the same time
    #[arg(short, long, default_value_t = 4, value_name = "N")]
    pub(crate) jobs: usize,
    /// How to show progress: bars on a terminal, plain lines, or JSON events on stdout
    #[arg(long, value_enum, default_value_t = ProgressChoice::Auto)]
    pub(crate) progress: ProgressChoice,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct UpArgs {
    /// Return once every service is healthy instead of streaming logs
    #[arg(short, long)]
    pub(crate) detach: bool,
    /// Then apply edits as they are saved, beside the logs (see `stack watch`)
    #[arg(long, conflicts_with = "detach")]
    pub(crate) watch: bool,
    #[command(flatten)]
    pub(crate) run: RunArgs,
}

/// The shells `stack completion` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProgressChoice {
    Auto,
    Tty,
    Plain,
    Json,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}

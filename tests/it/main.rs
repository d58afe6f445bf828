//! The one integration-test binary: shared helpers in `common`, one module per area.

mod common;
mod dockerfile_command;
mod dockerignore_docker;
mod doctor;
mod finsight;
mod foreground;
mod hadolint;
mod init;
mod manifest_errors;
mod new_interactive;
mod new_service;
mod new_service_live;
mod schema;
mod up_down;
mod verdict;

//! Pure desired state and order: what each service's container should be, compared with
//! what the engine holds, as a plan the engine executes and `stack plan` prints.

pub(crate) mod address;
pub(crate) mod desired;
pub(crate) mod mode;
#[expect(
    clippy::module_inception,
    reason = "the stage is `plan` and its main noun is `Plan`: one noun per file, named after it"
)]
pub(crate) mod plan;
pub(crate) mod request;
pub(crate) mod selection;
pub(crate) mod spec;

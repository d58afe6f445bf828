//! `stack new service`: skeletons rendered from templates and written all at once.

pub(crate) mod entry;
pub(crate) mod location;
pub(crate) mod scaffold;
pub(crate) mod skeleton;

//! Chinese for the logs page.

pub(super) const ZH: &[(&str, &str)] = &[];

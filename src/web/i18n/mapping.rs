//! Chinese for the mapping page.

pub(super) const ZH: &[(&str, &str)] = &[];

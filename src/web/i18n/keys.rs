//! Chinese for the keys page.

pub(super) const ZH: &[(&str, &str)] = &[];

//! Chinese for the stats page.

pub(super) const ZH: &[(&str, &str)] = &[];

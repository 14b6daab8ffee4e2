//! Model lists fetched lately from a user's keys (on the keys page or the mapping page), so
//! that the mapping page can suggest them without asking the upstreams again on every
//! view. Held by this process for an hour; losing it only means a button press.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use uuid::Uuid;

const KEEP: Duration = Duration::from_secs(3600);
/// Bounds the memory: past this many keys, expired lists go, then everything.
const MAX_KEYS: usize = 10_000;

/// Key id → when its list was fetched, and the list.
type Lists = HashMap<Uuid, (Instant, Vec<String>)>;

static LISTS: LazyLock<Mutex<Lists>> = LazyLock::new(Mutex::default);

fn lists() -> MutexGuard<'static, Lists> {
    LISTS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Keeps the models just fetched from the key `key_id`.
pub fn remember(key_id: Uuid, models: &[String]) {
    let mut lists = lists();
    if lists.len() >= MAX_KEYS {
        lists.retain(|_, (at, _)| at.elapsed() < KEEP);
        if lists.len() >= MAX_KEYS {
            lists.clear();
        }
    }
    lists.insert(key_id, (Instant::now(), models.to_vec()));
}

/// The models fetched lately from any of `key_ids` (the caller's own keys), sorted, once
/// each.
pub fn recall(key_ids: impl IntoIterator<Item = Uuid>) -> Vec<String> {
    let lists = lists();
    let mut models: Vec<String> = key_ids
        .into_iter()
        .filter_map(|id| lists.get(&id))
        .filter(|(at, _)| at.elapsed() < KEEP)
        .flat_map(|(_, models)| models.iter().cloned())
        .collect();
    models.sort();
    models.dedup();
    models
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_recalled_only_for_the_keys_asked() {
        let (mine, other) = (Uuid::now_v7(), Uuid::now_v7());
        remember(mine, &["b".into(), "a".into()]);
        remember(other, &["secret-model".into()]);
        assert_eq!(recall([mine]), vec!["a", "b"]);
        assert_eq!(recall([Uuid::now_v7()]), Vec::<String>::new());
    }
}

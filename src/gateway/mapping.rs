//! Which upstream model a requested model name goes to (design §6).

use store::model_mappings::{MappingMode, ModelMapping};
use store::upstream_keys::Provider;

use crate::config::SystemMapping;

/// The family slot a Claude model name falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Haiku,
    Sonnet,
    Opus,
    /// Any other Claude family (`claude-fable-…` and those still to come).
    Other,
}

/// The family of a Claude model name, or `None` for a name that is not Claude's (which
/// is passed through unchanged: clients may name an upstream model directly).
pub fn family(model: &str) -> Option<Family> {
    let lower = model.to_ascii_lowercase();
    if lower.contains("haiku") {
        Some(Family::Haiku)
    } else if lower.contains("sonnet") {
        Some(Family::Sonnet)
    } else if lower.contains("opus") {
        Some(Family::Opus)
    } else if lower.starts_with("claude") {
        Some(Family::Other)
    } else {
        None
    }
}

/// The target of each family for this user: their own in custom mode (an empty slot falls
/// back to the system's), else the system mapping.
pub fn effective(user: &ModelMapping, system: &SystemMapping) -> SystemMapping {
    if user.mode == MappingMode::Default {
        return system.clone();
    }
    let own = |slot: &Option<String>| slot.clone().filter(|t| !t.trim().is_empty());
    SystemMapping {
        haiku: own(&user.haiku).unwrap_or_else(|| system.haiku.clone()),
        sonnet: own(&user.sonnet).unwrap_or_else(|| system.sonnet.clone()),
        opus: own(&user.opus).unwrap_or_else(|| system.opus.clone()),
        // Other families follow the user's sonnet target when they set no other one.
        other: own(&user.other)
            .or_else(|| own(&user.sonnet))
            .unwrap_or_else(|| system.other.clone()),
    }
}

/// The target model for `requested`, or the error message the client gets.
pub fn target_model(
    requested: &str,
    user: &ModelMapping,
    system: &SystemMapping,
) -> Result<String, String> {
    let Some(family) = family(requested) else {
        return Ok(requested.to_owned());
    };
    let targets = effective(user, system);
    let target = match family {
        Family::Haiku => targets.haiku,
        Family::Sonnet => targets.sonnet,
        Family::Opus => targets.opus,
        Family::Other => targets.other,
    };
    if target.trim().is_empty() {
        return Err(format!("No model mapping found for: {requested}"));
    }
    Ok(target)
}

/// The model to ask a key of kind `provider` for. Anthropic keys take Claude names as they
/// are, unless the user mapped that family themselves.
pub fn target_for_key(
    provider: Provider,
    requested: &str,
    user: &ModelMapping,
    system: &SystemMapping,
) -> Result<String, String> {
    if provider != Provider::Anthropic {
        return target_model(requested, user, system);
    }
    let own = |slot: &Option<String>| {
        slot.clone()
            .filter(|t| user.mode == MappingMode::Custom && !t.trim().is_empty())
    };
    let mapped = match family(requested) {
        Some(Family::Haiku) => own(&user.haiku),
        Some(Family::Sonnet) => own(&user.sonnet),
        Some(Family::Opus) => own(&user.opus),
        Some(Family::Other) => own(&user.other),
        None => None,
    };
    Ok(mapped.unwrap_or_else(|| requested.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn system() -> SystemMapping {
        SystemMapping {
            haiku: "sys-h".into(),
            sonnet: "sys-s".into(),
            opus: "sys-o".into(),
            other: "sys-s".into(),
        }
    }

    #[test]
    fn families_by_name() {
        assert_eq!(family("claude-haiku-5-5"), Some(Family::Haiku));
        assert_eq!(family("claude-3-5-Sonnet-20241022"), Some(Family::Sonnet));
        assert_eq!(family("claude-opus-5-5[1m]"), Some(Family::Opus));
        assert_eq!(family("claude-fable-5-2"), Some(Family::Other));
        assert_eq!(family("deepseek-chat"), None);
        assert_eq!(family("my-gateway-model"), None);
    }

    #[test]
    fn default_custom_and_passthrough() {
        let default = ModelMapping::default();
        assert_eq!(
            target_model("claude-haiku-5-5", &default, &system()).as_deref(),
            Ok("sys-h")
        );
        assert_eq!(
            target_model("claude-fable-5-2", &default, &system()).as_deref(),
            Ok("sys-s")
        );
        assert_eq!(
            target_model("gpt-5", &default, &system()).as_deref(),
            Ok("gpt-5")
        );
        let custom = ModelMapping {
            mode: MappingMode::Custom,
            haiku: Some("deepseek-chat".into()),
            sonnet: Some("deepseek-reasoner".into()),
            opus: None,
            other: None,
        };
        assert_eq!(
            target_model("claude-haiku-5-5", &custom, &system()).as_deref(),
            Ok("deepseek-chat")
        );
        assert_eq!(
            target_model("claude-opus-5-5", &custom, &system()).as_deref(),
            Ok("sys-o")
        );
        assert_eq!(
            target_model("claude-fable-5-2", &custom, &system()).as_deref(),
            Ok("deepseek-reasoner")
        );
        // Stored targets are ignored in default mode.
        let switched_back = ModelMapping {
            mode: MappingMode::Default,
            ..custom
        };
        assert_eq!(
            target_model("claude-haiku-5-5", &switched_back, &system()).as_deref(),
            Ok("sys-h")
        );
    }

    #[test]
    fn anthropic_keys_keep_claude_names_unless_mapped() {
        let default = ModelMapping::default();
        let keep = target_for_key(
            Provider::Anthropic,
            "claude-sonnet-5-5",
            &default,
            &system(),
        );
        assert_eq!(keep.as_deref(), Ok("claude-sonnet-5-5"));
        let custom = ModelMapping {
            mode: MappingMode::Custom,
            opus: Some("claude-opus-4-1".into()),
            ..default
        };
        let mapped = target_for_key(Provider::Anthropic, "claude-opus-5-5", &custom, &system());
        assert_eq!(mapped.as_deref(), Ok("claude-opus-4-1"));
        let other = target_for_key(Provider::Openai, "claude-opus-5-5", &custom, &system());
        assert_eq!(other.as_deref(), Ok("claude-opus-4-1"));
    }

    #[test]
    fn no_target_anywhere_is_an_error() {
        let empty = SystemMapping {
            haiku: String::new(),
            ..system()
        };
        let err = target_model("claude-haiku-5-5", &ModelMapping::default(), &empty)
            .expect_err("no mapping");
        assert_eq!(err, "No model mapping found for: claude-haiku-5-5");
    }
}

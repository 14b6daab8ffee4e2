//! Provider presets: the kind of API and the documented base URL of the providers our users
//! have keys for, so that adding a key is picking a name from a list and pasting the secret.

use store::upstream_keys::Provider;

use crate::web::i18n::t;

pub struct Preset {
    /// The form value.
    pub id: &'static str,
    pub provider: Provider,
    /// The provider's documented API root; empty for the "other" entries, where the user
    /// types it.
    pub base_url: &'static str,
}

macro_rules! preset {
    ($id:literal, $provider:ident, $url:literal) => {
        Preset {
            id: $id,
            provider: Provider::$provider,
            base_url: $url,
        }
    };
}

/// In the order the form lists them. Base URLs as each provider documents them for
/// OpenAI-compatible clients (Gemini native and Anthropic: the host; Nexus adds the path).
pub const PRESETS: &[Preset] = &[
    preset!("openai", Openai, "https://api.openai.com/v1"),
    preset!("anthropic", Anthropic, "https://api.anthropic.com"),
    preset!(
        "gemini",
        Gemini,
        "https://generativelanguage.googleapis.com"
    ),
    preset!(
        "gemini-openai",
        Openai,
        "https://generativelanguage.googleapis.com/v1beta/openai"
    ),
    preset!("deepseek", Openai, "https://api.deepseek.com"),
    preset!("openrouter", Openai, "https://openrouter.ai/api/v1"),
    preset!(
        "dashscope",
        Openai,
        "https://dashscope.aliyuncs.com/compatible-mode/v1"
    ),
    preset!("moonshot", Openai, "https://api.moonshot.cn/v1"),
    preset!("zhipu", Openai, "https://open.bigmodel.cn/api/paas/v4"),
    preset!("ark", Openai, "https://ark.cn-beijing.volces.com/api/v3"),
    preset!("siliconflow", Openai, "https://api.siliconflow.cn/v1"),
    preset!("custom-openai", Openai, ""),
    preset!("custom-anthropic", Anthropic, ""),
    preset!("custom-gemini", Gemini, ""),
];

/// The preset chosen when the form names none.
pub const DEFAULT: &str = "openai";

impl Preset {
    /// The name shown in the list, in the reader's language.
    pub fn label(&self) -> &'static str {
        match self.id {
            "openai" => "OpenAI",
            "anthropic" => "Anthropic",
            "gemini" => t("Google Gemini (native API)"),
            "gemini-openai" => t("Google Gemini (OpenAI-compatible)"),
            "deepseek" => "DeepSeek",
            "openrouter" => "OpenRouter",
            "dashscope" => t("Qwen (Alibaba Cloud DashScope)"),
            "moonshot" => t("Kimi (Moonshot AI)"),
            "zhipu" => t("Zhipu GLM"),
            "ark" => t("Doubao (Volcengine Ark)"),
            "siliconflow" => t("SiliconFlow"),
            "custom-openai" => t("Other OpenAI-compatible API"),
            "custom-anthropic" => t("Other Anthropic-compatible API"),
            _ => t("Other Gemini-native API"),
        }
    }

    pub fn is_custom(&self) -> bool {
        self.base_url.is_empty()
    }

    /// A name to suggest for a first key of this preset.
    pub fn suggested_name(&self) -> &'static str {
        if self.is_custom() { "" } else { self.id }
    }
}

pub fn find(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// The preset a stored key was made from: the one with its kind and base URL, else the
/// "other" entry of its kind.
pub fn of_key(provider: Provider, base_url: &str) -> &'static Preset {
    let base = base_url.trim_end_matches('/');
    PRESETS
        .iter()
        .find(|p| p.provider == provider && !p.is_custom() && p.base_url == base)
        .or_else(|| {
            PRESETS
                .iter()
                .find(|p| p.provider == provider && p.is_custom())
        })
        .unwrap_or(&PRESETS[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_have_valid_urls_and_unique_ids() {
        let mut ids = std::collections::HashSet::new();
        for preset in PRESETS {
            assert!(ids.insert(preset.id), "{} twice", preset.id);
            if !preset.is_custom() {
                let normal = crate::upstreams::check_base_url(preset.base_url).expect("valid");
                assert_eq!(normal, preset.base_url, "already normalised");
            }
        }
        for provider in Provider::ALL {
            assert!(
                PRESETS
                    .iter()
                    .any(|p| p.provider == provider && p.is_custom()),
                "an 'other' entry for {provider}"
            );
        }
        assert!(find(DEFAULT).is_some());
    }

    #[test]
    fn stored_keys_find_their_preset() {
        assert_eq!(
            of_key(Provider::Openai, "https://api.deepseek.com/").id,
            "deepseek"
        );
        assert_eq!(
            of_key(
                Provider::Gemini,
                "https://generativelanguage.googleapis.com"
            )
            .id,
            "gemini"
        );
        assert_eq!(
            of_key(
                Provider::Openai,
                "https://generativelanguage.googleapis.com"
            )
            .id,
            "custom-openai"
        );
        assert_eq!(
            of_key(Provider::Anthropic, "https://relay.example").id,
            "custom-anthropic"
        );
    }
}

//! What a Gemini model name tells the request translation: the output cap, how thinking is
//! controlled, and whether tool calls need thought signatures. Sources: Gemini's thinking
//! guide (2.5 `thinkingBudget` ranges per model, Gemini 3 `thinkingLevel`, never both in one
//! request) and its thought-signature guide (validated from Gemini 3 on).

/// The model generation, as far as the API differs between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Generation {
    /// Gemini 1.x, 2.0, experimental and Gemma models: no thinking control, 8K output.
    Legacy,
    /// Gemini 2.5: `thinkingBudget`.
    V25,
    /// Gemini 3 and later: `thinkingLevel`; signatures are validated on tool calls.
    V3,
    /// Aliases such as `gemini-flash-latest` and names this table does not know.
    Unknown,
}

/// The size class, which sets the thinking limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tier {
    Pro,
    Flash,
    FlashLite,
}

/// The facts of one model name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ModelInfo {
    pub generation: Generation,
    pub tier: Tier,
}

/// 2.5 and later models accept 65,536 output tokens; Claude Code asks for up to 128,000.
const MAX_OUTPUT: u64 = 65_536;
const LEGACY_MAX_OUTPUT: u64 = 8_192;

impl ModelInfo {
    /// Reads `model` (`gemini-2.5-flash`, `models/gemini-3-pro-preview`, …).
    pub fn of(model: &str) -> ModelInfo {
        let name = model.trim().rsplit('/').next().unwrap_or_default();
        let name = name.to_ascii_lowercase();
        let tier = if name.contains("flash-lite") {
            Tier::FlashLite
        } else if name.contains("flash") {
            Tier::Flash
        } else {
            Tier::Pro
        };
        ModelInfo {
            generation: generation(&name),
            tier,
        }
    }

    /// The largest `maxOutputTokens` the model accepts.
    pub fn max_output_tokens(self) -> u64 {
        match self.generation {
            Generation::Legacy => LEGACY_MAX_OUTPUT,
            Generation::V25 | Generation::V3 | Generation::Unknown => MAX_OUTPUT,
        }
    }

    /// Whether a replayed `functionCall` without a known signature gets the documented
    /// sentinel. Gemini 3 rejects unsigned calls; 2.5 and older do not check, so nothing is
    /// sent there. Unknown names get it, since a rejected request is worse than an ignored
    /// field.
    pub fn needs_signatures(self) -> bool {
        matches!(self.generation, Generation::V3 | Generation::Unknown)
    }

    /// The `thinkingBudget` range of a 2.5 model, and whether 0 (off) is allowed.
    pub fn budget_range(self) -> (u64, u64, bool) {
        match self.tier {
            Tier::Pro => (128, 32_768, false),
            Tier::Flash => (1, 24_576, true),
            Tier::FlashLite => (512, 24_576, true),
        }
    }
}

fn generation(name: &str) -> Generation {
    if name.starts_with("gemma") || name.starts_with("learnlm") {
        return Generation::Legacy;
    }
    let Some(rest) = name.strip_prefix("gemini-") else {
        return Generation::Unknown;
    };
    let version = rest.split('-').next().unwrap_or_default();
    // `gemini-pro` and `gemini-pro-vision` are the 1.0 models; `gemini-pro-latest` is not.
    if version == "exp" || rest == "pro" || rest.starts_with("pro-vision") {
        return Generation::Legacy;
    }
    let mut numbers = version.split('.').map(str::parse::<u32>);
    let (Some(Ok(major)), minor) = (numbers.next(), numbers.next()) else {
        return Generation::Unknown;
    };
    let minor = minor.and_then(Result::ok).unwrap_or(0);
    match (major, minor) {
        (0..=1, _) | (2, 0..=4) => Generation::Legacy,
        (2, _) => Generation::V25,
        _ => Generation::V3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_and_tiers_from_names() {
        let cases = [
            ("gemini-2.5-pro", Generation::V25, Tier::Pro),
            ("models/gemini-2.5-flash", Generation::V25, Tier::Flash),
            (
                "gemini-2.5-flash-lite-preview-06-17",
                Generation::V25,
                Tier::FlashLite,
            ),
            ("gemini-3-pro-preview", Generation::V3, Tier::Pro),
            ("gemini-3.1-pro-preview", Generation::V3, Tier::Pro),
            ("Gemini-3-Flash-Preview", Generation::V3, Tier::Flash),
            ("gemini-2.0-flash", Generation::Legacy, Tier::Flash),
            ("gemini-1.5-pro-002", Generation::Legacy, Tier::Pro),
            ("gemini-exp-1206", Generation::Legacy, Tier::Pro),
            ("gemma-3-27b-it", Generation::Legacy, Tier::Pro),
            ("gemini-flash-latest", Generation::Unknown, Tier::Flash),
            ("my-proxy-model", Generation::Unknown, Tier::Pro),
            ("gemini-pro", Generation::Legacy, Tier::Pro),
            ("gemini-pro-latest", Generation::Unknown, Tier::Pro),
        ];
        for (name, generation, tier) in cases {
            assert_eq!(
                ModelInfo::of(name),
                ModelInfo { generation, tier },
                "{name}"
            );
        }
        assert_eq!(ModelInfo::of("gemini-2.0-flash").max_output_tokens(), 8_192);
        assert_eq!(
            ModelInfo::of("gemini-3-pro-preview").max_output_tokens(),
            65_536
        );
        assert!(ModelInfo::of("gemini-3-flash-preview").needs_signatures());
        assert!(!ModelInfo::of("gemini-2.5-flash").needs_signatures());
    }
}

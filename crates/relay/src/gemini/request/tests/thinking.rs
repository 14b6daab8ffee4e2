//! `thinking` → `thinkingConfig` for each model generation: a budget for 2.5, a level for
//! Gemini 3, never both.

use serde_json::{Value, json};

use super::translate;

fn config(thinking: Value, effort: Option<&str>, max_tokens: u64, model: &str) -> Value {
    let mut body = json!({"model": "m", "max_tokens": max_tokens,
                          "messages": [{"role": "user", "content": "hi"}]});
    body["thinking"] = thinking;
    if let Some(effort) = effort {
        body["output_config"] = json!({"effort": effort});
    }
    translate(&body, model)["generationConfig"]["thinkingConfig"].clone()
}

#[test]
fn gemini_25_budgets_are_clamped_per_model() {
    let enabled = |budget: u64, max: u64, model: &str| {
        config(
            json!({"type": "enabled", "budget_tokens": budget}),
            None,
            max,
            model,
        )
    };
    assert_eq!(
        enabled(50_000, 64_000, "gemini-2.5-pro"),
        json!({"includeThoughts": true, "thinkingBudget": 32768})
    );
    assert_eq!(
        enabled(10_000, 64_000, "gemini-2.5-flash")["thinkingBudget"],
        10_000
    );
    assert_eq!(
        enabled(30_000, 64_000, "gemini-2.5-flash")["thinkingBudget"],
        24_576
    );
    // Below the model's minimum, the minimum wins; the budget stays below max_tokens.
    assert_eq!(
        enabled(1_024, 300, "gemini-2.5-flash-lite")["thinkingBudget"],
        512
    );
    assert_eq!(
        enabled(4_000, 2_000, "gemini-2.5-flash")["thinkingBudget"],
        1_999
    );
    assert_eq!(
        config(
            json!({"type": "adaptive", "display": "omitted"}),
            Some("medium"),
            128_000,
            "gemini-2.5-pro"
        ),
        json!({"includeThoughts": true, "thinkingBudget": -1})
    );
    let disabled = json!({"type": "disabled"});
    assert_eq!(
        config(disabled.clone(), None, 100, "gemini-2.5-flash"),
        json!({"thinkingBudget": 0})
    );
    assert_eq!(
        config(disabled.clone(), None, 100, "gemini-2.5-flash-lite"),
        json!({"thinkingBudget": 0})
    );
    assert_eq!(
        config(disabled, None, 100, "gemini-2.5-pro"),
        Value::Null,
        "Pro cannot stop thinking"
    );
}

#[test]
fn gemini_3_levels_from_budget_or_effort() {
    let adaptive = json!({"type": "adaptive"});
    let cases = [
        (
            adaptive.clone(),
            Some("low"),
            "gemini-3-pro-preview",
            json!({"includeThoughts": true, "thinkingLevel": "low"}),
        ),
        (
            adaptive.clone(),
            Some("medium"),
            "gemini-3-pro-preview",
            json!({"includeThoughts": true, "thinkingLevel": "high"}),
        ),
        (
            adaptive.clone(),
            Some("medium"),
            "gemini-3-flash-preview",
            json!({"includeThoughts": true, "thinkingLevel": "medium"}),
        ),
        (
            adaptive.clone(),
            Some("max"),
            "gemini-3.1-pro-preview",
            json!({"includeThoughts": true, "thinkingLevel": "high"}),
        ),
        (
            adaptive,
            None,
            "gemini-3-pro-preview",
            json!({"includeThoughts": true}),
        ),
        (
            json!({"type": "enabled", "budget_tokens": 1024}),
            None,
            "gemini-3-flash-preview",
            json!({"includeThoughts": true, "thinkingLevel": "low"}),
        ),
        (
            json!({"type": "enabled", "budget_tokens": 31999}),
            None,
            "gemini-3-pro-preview",
            json!({"includeThoughts": true, "thinkingLevel": "high"}),
        ),
        (
            json!({"type": "disabled"}),
            None,
            "gemini-3-flash-preview",
            json!({"thinkingLevel": "minimal"}),
        ),
        (
            json!({"type": "disabled"}),
            None,
            "gemini-3-pro-preview",
            Value::Null,
        ),
    ];
    for (thinking, effort, model, expected) in cases {
        let got = config(thinking.clone(), effort, 64_000, model);
        assert_eq!(got, expected, "{thinking} {effort:?} {model}");
        assert!(got.get("thinkingBudget").is_none(), "never both");
    }
}

#[test]
fn legacy_unknown_and_absent_thinking() {
    let adaptive = json!({"type": "adaptive"});
    assert_eq!(
        config(adaptive.clone(), Some("high"), 100, "gemini-2.0-flash"),
        Value::Null
    );
    assert_eq!(
        config(adaptive, Some("high"), 100, "gemini-flash-latest"),
        json!({"includeThoughts": true})
    );
    assert_eq!(
        config(
            json!({"type": "disabled"}),
            None,
            100,
            "gemini-flash-latest"
        ),
        Value::Null
    );
    let body =
        json!({"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]});
    assert!(
        translate(&body, "gemini-3-pro-preview")["generationConfig"]
            .get("thinkingConfig")
            .is_none()
    );
}

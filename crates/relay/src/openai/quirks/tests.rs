//! The quirks table, case by case.

use super::*;

/// Each case states the full expected value as "the default, changed like this", so a
/// rule that leaks into the wrong provider fails a case.
#[test]
fn table_gives_each_provider_its_quirks() {
    type Case = (&'static str, &'static str, fn(&mut Quirks));
    let cases: &[Case] = &[
        ("https://example.com/v1", "my-model", |_| {}),
        ("https://api.openai.com/v1", "gpt-4o", |q| {
            q.max_output_tokens = 16_384;
            q.max_tokens_field = MaxTokensField::MaxCompletionTokens;
            q.user = true;
            q.pdf_input = true;
            q.json_schema_output = true;
        }),
        ("https://api.openai.com/v1/", "gpt-5.1", |q| {
            q.max_output_tokens = 128_000;
            q.max_tokens_field = MaxTokensField::MaxCompletionTokens;
            q.sampling = false;
            q.max_stop_sequences = 0;
            q.thinking = ThinkingStyle::ReasoningEffort;
            q.user = true;
            q.pdf_input = true;
            q.json_schema_output = true;
        }),
        (
            "https://my-res.openai.azure.com/openai/deployments/x",
            "o3-mini",
            |q| {
                q.max_output_tokens = 100_000;
                q.max_tokens_field = MaxTokensField::MaxCompletionTokens;
                q.sampling = false;
                q.max_stop_sequences = 0;
                q.thinking = ThinkingStyle::ReasoningEffort;
                q.user = true;
                q.pdf_input = true;
                q.json_schema_output = true;
            },
        ),
        ("https://proxy.example.org/v1", "gpt-5-chat-latest", |q| {
            q.max_output_tokens = 128_000;
            q.max_tokens_field = MaxTokensField::MaxCompletionTokens;
        }),
        ("https://api.deepseek.com", "deepseek-chat", |q| {
            q.thinking = ThinkingStyle::DeepSeek;
            q.reasoning_replay = ReasoningReplay::EveryTurn;
            q.max_stop_sequences = 16;
            q.max_output_tokens = 8_192;
        }),
        ("https://api.deepseek.com/v1", "deepseek-reasoner", |q| {
            q.thinking = ThinkingStyle::DeepSeek;
            q.reasoning_replay = ReasoningReplay::EveryTurn;
            q.max_stop_sequences = 16;
            q.max_output_tokens = 64_000;
        }),
        ("https://api.deepseek.com/v1", "deepseek-v4-pro", |q| {
            q.thinking = ThinkingStyle::DeepSeek;
            q.reasoning_replay = ReasoningReplay::EveryTurn;
            q.max_stop_sequences = 16;
            q.max_output_tokens = 384_000;
        }),
        ("https://openrouter.ai/api/v1", "openai/o4-mini", |q| {
            q.max_output_tokens = 100_000;
            q.sampling = false;
            q.max_stop_sequences = 0;
            q.thinking = ThinkingStyle::OpenRouter;
            q.top_k = true;
            q.user = true;
            q.pdf_input = true;
            q.json_schema_output = true;
        }),
        (
            "https://openrouter.ai/api/v1",
            "google/gemini-2.5-pro",
            |q| {
                q.max_output_tokens = 65_536;
                q.clean_schema = true;
                q.thinking = ThinkingStyle::OpenRouter;
                q.top_k = true;
                q.user = true;
                q.pdf_input = true;
                q.json_schema_output = true;
            },
        ),
        (
            "https://openrouter.ai/api/v1",
            "deepseek/deepseek-chat",
            |q| {
                q.thinking = ThinkingStyle::OpenRouter;
                q.top_k = true;
                q.user = true;
                q.pdf_input = true;
                q.json_schema_output = true;
            },
        ),
        (
            "https://generativelanguage.googleapis.com/v1beta/openai/",
            "gemini-2.5-flash",
            |q| {
                q.max_output_tokens = 65_536;
                q.thinking = ThinkingStyle::ReasoningEffort;
                q.thought_signatures = true;
                q.clean_schema = true;
                q.parallel_tool_calls = false;
                q.json_schema_output = true;
            },
        ),
        (
            "https://generativelanguage.googleapis.com/v1beta/openai",
            "gemini-2.0-flash-exp",
            |q| {
                q.max_output_tokens = 8_192;
                q.thinking = ThinkingStyle::ReasoningEffort;
                q.thought_signatures = true;
                q.clean_schema = true;
                q.parallel_tool_calls = false;
                q.json_schema_output = true;
            },
        ),
        ("https://api.mistral.ai/v1", "mistral-large-latest", |q| {
            q.stream_usage = false;
            q.inline_system = false;
            q.tool_call_ids = ToolCallIds::Alnum9;
        }),
        ("https://api.moonshot.ai/v1", "kimi-k2.6", |q| {
            q.reasoning_replay = ReasoningReplay::ToolCallTurns;
            q.sampling = false;
        }),
        (
            "https://api.siliconflow.cn/v1",
            "deepseek-ai/DeepSeek-V3.2",
            |q| {
                q.reasoning_replay = ReasoningReplay::ToolCallTurns;
            },
        ),
        ("https://example.com/v1", "deepseek-ai/DeepSeek-R1", |_| {}),
        ("http://localhost:8000/v1", "Qwen/Qwen3-Coder-30B", |q| {
            q.top_k = true;
        }),
        ("http://192.168.1.20:11434/v1", "llama3.1", |q| {
            q.top_k = true;
        }),
        ("http://[::1]:1234/v1", "local-model", |q| {
            q.top_k = true;
        }),
        ("http://user:pw@127.0.0.1:8080", "gpt-oss-20b", |q| {
            q.top_k = true;
            q.thinking = ThinkingStyle::ReasoningEffort;
        }),
    ];
    for (url, model, change) in cases {
        let mut expected = Quirks::default();
        change(&mut expected);
        assert_eq!(quirks_for(url, model), expected, "{url} {model}");
    }
}

#[test]
fn hosts_match_whole_labels_only() {
    assert_eq!(
        host_of("HTTPS://API.DeepSeek.com:443/v1?x=1"),
        "api.deepseek.com"
    );
    assert_eq!(host_of("api.openai.com/v1"), "api.openai.com");
    assert_eq!(host_of("http://[::1]:8000"), "::1");
    // A look-alike domain is not the provider.
    assert_eq!(
        quirks_for("https://notapi.deepseek.com.evil.io", "x"),
        Quirks::default()
    );
    assert_eq!(
        quirks_for("https://fakeopenrouter.ai", "x"),
        Quirks::default()
    );
    assert!(
        quirks_for("https://eu.openrouter.ai/api/v1", "x").top_k,
        "subdomain matches"
    );
}

#[test]
fn model_names_ignore_case_and_vendor_prefix() {
    assert_eq!(model_key("OpenAI/GPT-5-mini"), "gpt-5-mini");
    assert_eq!(model_key("models/gemini-2.5-pro"), "gemini-2.5-pro");
    let q = quirks_for("https://example.com", "Azure/O3");
    assert_eq!(q.max_tokens_field, MaxTokensField::MaxCompletionTokens);
    assert_eq!(
        MaxTokensField::MaxCompletionTokens.as_str(),
        "max_completion_tokens"
    );
    assert_eq!(MaxTokensField::MaxTokens.as_str(), "max_tokens");
}

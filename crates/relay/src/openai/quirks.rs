//! What differs between OpenAI-compatible upstreams, in one table (protocol.md §4, §4.3,
//! §4.4). The translation in `request` asks a [`Quirks`] value and never tests a host or a
//! model name itself, so supporting a new provider means adding a row to `RULES`.
//!
//! Lookup: start from [`Quirks::default`] (a conservative generic OpenAI-compatible
//! server), then apply every matching rule in table order; later rules override earlier
//! ones. Rows keyed only by model family come first (they hold per-model facts that stay
//! true behind any proxy), rows keyed by host follow (the API shape belongs to the host).

/// Everything the request translation needs to know about one upstream and model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quirks {
    /// Which field carries the output-token limit.
    pub max_tokens_field: MaxTokensField,
    /// Largest output-token limit the model accepts; the client's `max_tokens` is clamped
    /// to it (Claude Code asks for 32k–128k, more than most models allow: pitfall 9).
    pub max_output_tokens: u64,
    /// `temperature` and `top_p` are accepted (OpenAI reasoning models reject them).
    pub sampling: bool,
    /// `top_k` is accepted (not part of OpenAI's API; OpenRouter and local servers take it).
    pub top_k: bool,
    /// How many `stop` sequences are accepted; 0 means the field is rejected.
    pub max_stop_sequences: usize,
    /// `stream_options: {"include_usage": true}` is accepted with `stream: true`.
    pub stream_usage: bool,
    /// `parallel_tool_calls` is accepted.
    pub parallel_tool_calls: bool,
    /// The `user` field is accepted (sent as a hash of `metadata.user_id`).
    pub user: bool,
    /// How Anthropic `thinking` is expressed upstream (§4.3).
    pub thinking: ThinkingStyle,
    /// Whether earlier assistant `thinking` goes back as `reasoning_content` (§4.4).
    pub reasoning_replay: ReasoningReplay,
    /// Gemini's OpenAI endpoint: the first tool call of an assistant turn carries
    /// `extra_content.google.thought_signature` (§4.4, pitfall 5).
    pub thought_signatures: bool,
    /// Tool schemas go through [`super::schema::clean_schema`] (Gemini, pitfall 4).
    pub clean_schema: bool,
    /// PDF documents may be sent as `{"type":"file"}` parts; otherwise a text placeholder.
    pub pdf_input: bool,
    /// `output_config.format` (JSON schema) may be sent as `response_format`.
    pub json_schema_output: bool,
    /// `role: "system"` messages are accepted after the first message; otherwise Claude
    /// Code's mid-conversation system entries are sent as user text.
    pub inline_system: bool,
    /// Which tool-call ids the upstream accepts.
    pub tool_call_ids: ToolCallIds,
}

/// The name of the output-token limit field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxTokensField {
    /// `max_tokens`: what nearly every compatible server knows.
    MaxTokens,
    /// `max_completion_tokens`: required by OpenAI reasoning models, which reject
    /// `max_tokens` [issue: pydantic-ai #1205].
    MaxCompletionTokens,
}

impl MaxTokensField {
    /// The JSON field name.
    pub fn as_str(self) -> &'static str {
        match self {
            MaxTokensField::MaxTokens => "max_tokens",
            MaxTokensField::MaxCompletionTokens => "max_completion_tokens",
        }
    }
}

/// How a thinking request is expressed upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThinkingStyle {
    /// Not sent: the upstream has no known control, and an unknown field may be a 400.
    None,
    /// `reasoning_effort: "low" | "medium" | "high"` (OpenAI, Gemini's OpenAI endpoint,
    /// gpt-oss).
    ReasoningEffort,
    /// DeepSeek: `thinking: {"type": "enabled" | "disabled"}` plus
    /// `reasoning_effort: "high" | "max"`.
    DeepSeek,
    /// OpenRouter: `reasoning: {"max_tokens": n}` or `{"effort": e}`, with `exclude: false`.
    OpenRouter,
}

/// Which assistant messages carry `reasoning_content` in the history sent upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasoningReplay {
    /// Never: the upstream does not take it (OpenAI rejects unknown message fields).
    Drop,
    /// Messages whose Anthropic turn had a `thinking` block, with that text.
    WhenPresent,
    /// As `WhenPresent`, and `""` on assistant messages with tool calls but no thinking:
    /// thinking models with tools 400 when the field is missing there.
    ToolCallTurns,
    /// As `WhenPresent`, and `""` on every other assistant message (DeepSeek V4 checks
    /// every assistant turn of a request with tools) [issue: openclaw #73417].
    EveryTurn,
}

/// The tool-call id shapes an upstream accepts. Ids only need to agree within one
/// request (the assistant call and its tool message), so rewriting needs no reverse map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolCallIds {
    /// `^[A-Za-z0-9_-]{1,40}$` (OpenAI's limit); other ids are replaced by a stable hash.
    Standard,
    /// Exactly nine ASCII letters or digits (Mistral).
    Alnum9,
}

/// Output cap for a model this table knows nothing about. Most current models allow at
/// least this, and it is far below Claude Code's 128000, which many servers reject.
pub const DEFAULT_MAX_OUTPUT_TOKENS: u64 = 32_768;

impl Default for Quirks {
    fn default() -> Self {
        Quirks {
            max_tokens_field: MaxTokensField::MaxTokens,
            max_output_tokens: DEFAULT_MAX_OUTPUT_TOKENS,
            sampling: true,
            top_k: false,
            // OpenAI's documented maximum, which compatible servers copy.
            max_stop_sequences: 4,
            stream_usage: true,
            parallel_tool_calls: true,
            user: false,
            thinking: ThinkingStyle::None,
            reasoning_replay: ReasoningReplay::Drop,
            thought_signatures: false,
            clean_schema: false,
            pdf_input: false,
            json_schema_output: false,
            inline_system: true,
            tool_call_ids: ToolCallIds::Standard,
        }
    }
}

/// The quirks of `model` served at `base_url` (for example `https://api.deepseek.com/v1`).
pub fn quirks_for(base_url: &str, model: &str) -> Quirks {
    let host = host_of(base_url);
    let model = model_key(model);
    let mut quirks = Quirks::default();
    for rule in RULES {
        if rule.host.matches(&host) && rule.models_match(&model) {
            (rule.apply)(&mut quirks);
        }
    }
    quirks
}

/// Which hosts a rule applies to.
enum Host {
    Any,
    /// These domains and their subdomains.
    Domains(&'static [&'static str]),
    /// Loopback, private-network and `.local` hosts: self-hosted vLLM, Ollama, LM Studio,
    /// llama.cpp, which all take `top_k`.
    Local,
}

impl Host {
    fn matches(&self, host: &str) -> bool {
        match self {
            Host::Any => true,
            Host::Domains(domains) => domains.iter().any(|d| {
                host == *d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.'))
            }),
            Host::Local => is_local(host),
        }
    }
}

struct Rule {
    host: Host,
    /// Model-name prefixes (lower case, vendor prefix removed); empty means every model.
    models: &'static [&'static str],
    /// Models excluded even though a prefix matched.
    except: &'static [&'static str],
    apply: fn(&mut Quirks),
}

impl Rule {
    fn models_match(&self, model: &str) -> bool {
        (self.models.is_empty() || self.models.iter().any(|p| model.starts_with(p)))
            && !self.except.iter().any(|e| model.contains(e))
    }
}

const OPENAI_HOSTS: &[&str] = &["api.openai.com", "openai.azure.com"];
const DEEPSEEK_HOSTS: &[&str] = &["api.deepseek.com"];
const OPENROUTER_HOSTS: &[&str] = &["openrouter.ai"];
const GEMINI_HOSTS: &[&str] = &[
    "generativelanguage.googleapis.com",
    "aiplatform.googleapis.com",
];
const MISTRAL_HOSTS: &[&str] = &["api.mistral.ai"];
const MOONSHOT_HOSTS: &[&str] = &["api.moonshot.ai", "api.moonshot.cn"];

/// The table. Sources: OpenAI model pages and the pitfalls of protocol.md §8; DeepSeek's
/// "Models & Pricing" and "Thinking Mode" pages (V3.1 aliases: chat 8K, reasoner 64K
/// output; V4 models 384K; `thinking` + `reasoning_effort`; `reasoning_content` must be
/// passed back with tools); OpenRouter's "Reasoning Tokens" page; Gemini's
/// thought-signature page; Mistral rejecting `stream_options` (422 extra_forbidden) and
/// ids that are not 9 alphanumerics; Moonshot's thinking models keeping
/// `reasoning_content` and fixing sampling.
const RULES: &[Rule] = &[
    // --- Per-model output caps (any host). The generic cap above covers the rest.
    any(&["gpt-5"], |q| q.max_output_tokens = 128_000),
    any(&["o1", "o3", "o4"], |q| q.max_output_tokens = 100_000),
    any(&["o1-mini"], |q| q.max_output_tokens = 65_536),
    any(&["gpt-4", "gpt-3.5"], |q| q.max_output_tokens = 4_096),
    any(&["o1-preview", "gpt-4.1"], |q| q.max_output_tokens = 32_768),
    any(&["gpt-4o", "chatgpt-4o"], |q| q.max_output_tokens = 16_384),
    any(&["gemini-1.", "gemini-2.0", "gemini-exp"], |q| {
        q.max_output_tokens = 8_192;
    }),
    any(&["gemini-2.5", "gemini-3"], |q| {
        q.max_output_tokens = 65_536;
    }),
    // --- OpenAI reasoning models, wherever served (Azure, proxies): they reject
    // `max_tokens`, non-default temperature/top_p and `stop`, and take `reasoning_effort`.
    // `gpt-5-chat-*` is a non-reasoning model that only shares the token field.
    Rule {
        host: Host::Any,
        models: &["o1", "o3", "o4", "gpt-5"],
        except: &["-chat"],
        apply: |q| {
            q.max_tokens_field = MaxTokensField::MaxCompletionTokens;
            q.sampling = false;
            q.max_stop_sequences = 0;
            q.thinking = ThinkingStyle::ReasoningEffort;
        },
    },
    any(&["gpt-5"], |q| {
        q.max_tokens_field = MaxTokensField::MaxCompletionTokens;
    }),
    any(&["gpt-oss"], |q| {
        q.thinking = ThinkingStyle::ReasoningEffort;
    }),
    // Gemini rejects much of JSON Schema, also behind proxies that forward schemas as-is.
    any(&["gemini"], |q| q.clean_schema = true),
    // DeepSeek and Kimi thinking models 400 when an assistant tool-call turn lacks
    // `reasoning_content`, whoever serves them. The original R1 did the opposite (a 400
    // when it was sent back), so it keeps the default.
    Rule {
        host: Host::Any,
        models: &["deepseek", "kimi"],
        except: &["-r1"],
        apply: |q| q.reasoning_replay = ReasoningReplay::ToolCallTurns,
    },
    // --- Hosts: the API shape.
    on(OPENAI_HOSTS, &[], |q| {
        // Deprecated `max_tokens` still works for older models; the new name for all.
        q.max_tokens_field = MaxTokensField::MaxCompletionTokens;
        q.user = true;
        q.pdf_input = true;
        q.json_schema_output = true;
        q.reasoning_replay = ReasoningReplay::Drop;
    }),
    on(DEEPSEEK_HOSTS, &[], |q| {
        q.thinking = ThinkingStyle::DeepSeek;
        q.reasoning_replay = ReasoningReplay::EveryTurn;
        q.max_stop_sequences = 16;
        // V4 models (`deepseek-v4-*`, `deepseek-flash`…) allow 384K output.
        q.max_output_tokens = 384_000;
    }),
    // The retiring V3.1-era aliases keep their documented caps.
    on(DEEPSEEK_HOSTS, &["deepseek-chat"], |q| {
        q.max_output_tokens = 8_192;
    }),
    on(DEEPSEEK_HOSTS, &["deepseek-reasoner"], |q| {
        q.max_output_tokens = 64_000;
    }),
    on(OPENROUTER_HOSTS, &[], |q| {
        // OpenRouter normalises `max_tokens` for every model behind it.
        q.max_tokens_field = MaxTokensField::MaxTokens;
        q.thinking = ThinkingStyle::OpenRouter;
        q.reasoning_replay = ReasoningReplay::Drop;
        q.top_k = true;
        q.user = true;
        q.pdf_input = true;
        q.json_schema_output = true;
    }),
    on(GEMINI_HOSTS, &[], |q| {
        q.thinking = ThinkingStyle::ReasoningEffort;
        q.thought_signatures = true;
        q.clean_schema = true;
        q.parallel_tool_calls = false;
        q.json_schema_output = true;
    }),
    on(MISTRAL_HOSTS, &[], |q| {
        q.stream_usage = false;
        q.inline_system = false;
        q.tool_call_ids = ToolCallIds::Alnum9;
    }),
    on(MOONSHOT_HOSTS, &["kimi"], |q| q.sampling = false),
    Rule {
        host: Host::Local,
        models: &[],
        except: &[],
        apply: |q| q.top_k = true,
    },
];

/// A rule for models on any host.
const fn any(models: &'static [&'static str], apply: fn(&mut Quirks)) -> Rule {
    Rule {
        host: Host::Any,
        models,
        except: &[],
        apply,
    }
}

/// A rule for `hosts` (and `models` there; empty for all).
const fn on(
    hosts: &'static [&'static str],
    models: &'static [&'static str],
    apply: fn(&mut Quirks),
) -> Rule {
    Rule {
        host: Host::Domains(hosts),
        models,
        except: &[],
        apply,
    }
}

/// The host of a base URL, lower case, without scheme, credentials, port or path.
fn host_of(base_url: &str) -> String {
    let trimmed = base_url.trim();
    let rest = trimmed.split_once("://").map_or(trimmed, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The model name as the table sees it: lower case, without a vendor or path prefix
/// (`openai/gpt-5` → `gpt-5`, `models/gemini-2.5-pro` → `gemini-2.5-pro`).
fn model_key(model: &str) -> String {
    let name = model.trim().rsplit('/').next().unwrap_or_default();
    name.to_ascii_lowercase()
}

fn is_local(host: &str) -> bool {
    if matches!(host, "localhost" | "host.docker.internal" | "::1")
        || host.ends_with(".localhost")
        || host.ends_with(".local")
    {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_unspecified(),
        Ok(std::net::IpAddr::V6(ip)) => ip.is_loopback() || ip.is_unspecified(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests;

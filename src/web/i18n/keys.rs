//! Chinese for the keys page.

pub(super) const ZH: &[(&str, &str)] = &[
    // The page.
    (
        "Your own provider keys. Nexus sends each request to one of them, and to the next when one fails.",
        "你自己的服务商密钥。Nexus 把每个请求发给其中一个，失败时自动换下一个。",
    ),
    ("Add a key", "添加密钥"),
    (
        "The key was not saved. Check the marked fields below.",
        "密钥未保存，请检查下方标出的字段。",
    ),
    ("No upstream keys yet", "还没有上游密钥"),
    (
        "Add the API key of a provider you use (OpenAI, DeepSeek, Gemini, Anthropic, Qwen, Kimi…) below. Pick the provider from the list and paste the key: that is all Claude Code needs.",
        "在下方添加你所用服务商（OpenAI、DeepSeek、Gemini、Anthropic、通义千问、Kimi……）的 API 密钥。从列表中选择服务商并粘贴密钥，Claude Code 就能用了。",
    ),
    ("Your pool ({} keys)", "你的密钥池（{} 个）"),
    ("Provider", "服务商"),
    ("Base URL", "Base URL"),
    ("Priority", "优先级"),
    ("Weight", "权重"),
    ("{} ok", "成功 {}"),
    ("{} failures in a row", "连续失败 {} 次"),
    ("Enabled", "已启用"),
    ("Disabled", "已停用"),
    ("Cooling down until {}", "冷却中，至 {}"),
    (
        "Skipped after repeated failures; tried again when the cooldown ends.",
        "多次失败后暂时跳过，冷却结束后会再次尝试。",
    ),
    ("The end of the API key", "API 密钥的末尾几位"),
    ("Test", "测试"),
    (
        "Send a tiny request through this key",
        "用这个密钥发送一个极小的请求",
    ),
    ("Models", "模型"),
    (
        "Ask the provider which models this key can use",
        "向服务商查询这个密钥可用的模型",
    ),
    (
        "Delete this key? Nexus forgets it and its secret at once.",
        "确定删除这个密钥？Nexus 会立即忘掉它和它的密钥内容。",
    ),
    // After a redirect.
    (
        "Key added. Nexus uses it from the next request on.",
        "密钥已添加，从下一个请求起生效。",
    ),
    ("Changes saved.", "修改已保存。"),
    ("Key deleted.", "密钥已删除。"),
    (
        "Key enabled: it takes traffic again.",
        "密钥已启用，重新接收请求。",
    ),
    (
        "Key disabled: it takes no traffic until you enable it.",
        "密钥已停用，重新启用前不会接收请求。",
    ),
    ("Pool strategy saved.", "密钥池策略已保存。"),
    // Test and models.
    ("Test of {}", "测试 {}"),
    ("Works", "可用"),
    ("Answered in {} ms", "{} 毫秒内回复"),
    (
        "The answer had no text; some models spend a short answer on thinking.",
        "回复中没有文字；有些模型会把很短的回复额度用在思考上。",
    ),
    ("Reply:", "回复："),
    ("Failed", "失败"),
    (
        "Check the API key, the base URL, and that the model exists at this provider.",
        "请检查 API 密钥、Base URL，以及该服务商是否提供这个模型。",
    ),
    ("Models of {}", "{} 的模型"),
    (
        "The provider listed no models for this key.",
        "服务商没有为这个密钥列出任何模型。",
    ),
    (
        "{} models. Use their names on the model mapping page.",
        "共 {} 个模型，可在模型映射页使用这些名称。",
    ),
    ("Test with a model", "用指定模型测试"),
    (
        "Empty: the model a Sonnet request goes to",
        "留空：使用 Sonnet 请求所映射的模型",
    ),
    (
        "A model name has no spaces and at most 200 characters.",
        "模型名称不能有空格，最多 200 个字符。",
    ),
    // Pool strategy.
    ("Pool strategy", "密钥池策略"),
    (
        "How requests are spread over your enabled keys. Keys that keep failing are skipped for a while, whatever the strategy.",
        "决定请求如何分配到已启用的密钥。无论哪种策略，持续失败的密钥都会被暂时跳过。",
    ),
    ("Priority (recommended)", "优先级（推荐）"),
    (
        "The highest priority first; keys of equal priority share the traffic by weight.",
        "先用优先级最高的密钥；同一优先级的密钥按权重分担流量。",
    ),
    ("Failover", "故障转移"),
    (
        "Always the first healthy key by priority; the next one only when it fails.",
        "始终使用按优先级排第一的健康密钥，失败时才换下一个。",
    ),
    ("Round robin", "轮询"),
    (
        "Every healthy key in turn, whatever its priority.",
        "不论优先级，依次轮流使用每个健康的密钥。",
    ),
    ("Random", "随机"),
    (
        "A random healthy key, in proportion to its weight.",
        "按权重比例随机选择一个健康的密钥。",
    ),
    ("Save strategy", "保存策略"),
    (
        "Choose one of the strategies in the list.",
        "请从列表中选择一种策略。",
    ),
    // The form.
    ("Start from a provider:", "从服务商开始："),
    ("Edit upstream key", "编辑上游密钥"),
    ("Edit {}", "编辑 {}"),
    (
        "To tell your keys apart, e.g. deepseek-main.",
        "用于区分你的密钥，例如 deepseek-main。",
    ),
    (
        "Sets the kind of API Nexus speaks to it and its usual address.",
        "决定 Nexus 使用哪种 API 协议以及默认地址。",
    ),
    (
        "Left empty, the provider's standard address is used. Change it only for a proxy or your own server; the “Other” entries need one.",
        "留空则使用服务商的标准地址。只有使用代理或自建服务时才需修改；选择“其他”类选项时必须填写。",
    ),
    ("API key", "API 密钥"),
    (
        "Stored encrypted. Nexus never shows it again, only its last four characters.",
        "加密保存。Nexus 之后不会再显示它，只显示最后四位。",
    ),
    (
        "Leave empty to keep the current key ({}).",
        "留空则保留当前密钥（{}）。",
    ),
    (
        "0 to 100: higher is used first.",
        "0 到 100：数值越大越优先使用。",
    ),
    (
        "1 to 100: its share among keys of the same priority.",
        "1 到 100：在同一优先级的密钥中所占的流量比例。",
    ),
    (
        "Enabled: send requests to this key",
        "启用：向这个密钥发送请求",
    ),
    // Form errors.
    (
        "A name has 1 to 64 characters.",
        "名称需要 1 到 64 个字符。",
    ),
    ("Choose a provider from the list.", "请从列表中选择服务商。"),
    (
        "Enter the base URL of this API.",
        "请填写这个 API 的 Base URL。",
    ),
    (
        "Enter a full URL, such as https://api.openai.com/v1.",
        "请填写完整的网址，例如 https://api.openai.com/v1。",
    ),
    (
        "The URL must start with https:// (or http://).",
        "网址必须以 https://（或 http://）开头。",
    ),
    (
        "Leave the key out of the URL; paste it in the API key field.",
        "网址中不要包含密钥，请把它粘贴到 API 密钥一栏。",
    ),
    (
        "The URL must not have a ? query or a # part.",
        "网址不能带 ? 查询参数或 # 片段。",
    ),
    (
        "Paste the API key from your provider.",
        "请粘贴服务商提供的 API 密钥。",
    ),
    (
        "An API key has no spaces or line breaks; copy it again.",
        "API 密钥不含空格或换行，请重新复制。",
    ),
    (
        "Priority is a whole number from 0 to 100.",
        "优先级是 0 到 100 之间的整数。",
    ),
    (
        "Weight is a whole number from 1 to 100.",
        "权重是 1 到 100 之间的整数。",
    ),
    (
        "You already have an upstream key with this name.",
        "你已经有同名的上游密钥。",
    ),
    // Provider presets.
    ("Google Gemini (native API)", "Google Gemini（原生 API）"),
    (
        "Google Gemini (OpenAI-compatible)",
        "Google Gemini（OpenAI 兼容）",
    ),
    (
        "Qwen (Alibaba Cloud DashScope)",
        "通义千问（阿里云百炼 DashScope）",
    ),
    ("Kimi (Moonshot AI)", "Kimi（月之暗面）"),
    ("Zhipu GLM", "智谱 GLM"),
    ("Doubao (Volcengine Ark)", "豆包（火山方舟）"),
    ("SiliconFlow", "硅基流动 SiliconFlow"),
    ("Other OpenAI-compatible API", "其他 OpenAI 兼容 API"),
    ("Other Anthropic-compatible API", "其他 Anthropic 兼容 API"),
    ("Other Gemini-native API", "其他 Gemini 原生 API"),
];

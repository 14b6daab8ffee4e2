//! Chinese for the landing page.

pub(super) const ZH: &[(&str, &str)] = &[
    (
        "Claude Code on your own providers",
        "在你自己的模型服务上运行 Claude Code",
    ),
    (
        "Sign in, add your OpenAI-compatible, Gemini or Anthropic keys, and point Claude Code at Nexus with two environment variables. Nexus picks a healthy key, maps the model, translates every request and logs it for you.",
        "登录后添加你的 OpenAI 兼容、Gemini 或 Anthropic 密钥，再用两个环境变量把 Claude Code 指向 Nexus。Nexus 会挑选健康的密钥、映射模型、转换每个请求并为你记录日志。",
    ),
    ("Other ways to sign in", "其他登录方式"),
    (
        "Claude Code sends Anthropic requests to Nexus, which forwards them to one of your upstream keys.",
        "Claude Code 把 Anthropic 请求发给 Nexus，Nexus 再转发到你的某个上游密钥。",
    ),
    ("pick key · map model", "选密钥 · 映射模型"),
    ("translate · log", "协议转换 · 记录日志"),
    ("Your keys, your bill", "你的密钥，你的账单"),
    (
        "Upstream keys are stored encrypted and used only for your own requests, by priority and weight, with failover when one breaks.",
        "上游密钥加密保存，只用于你自己的请求；按优先级和权重选择，出错时自动切换。",
    ),
    ("Nothing changes in Claude Code", "Claude Code 用法不变"),
    (
        "Streaming, tools, images and thinking work as with Anthropic. Haiku, Sonnet and Opus map to the models you choose.",
        "流式输出、工具、图片和思考都与 Anthropic 一样可用。Haiku、Sonnet、Opus 会映射到你选择的模型。",
    ),
    ("Every request on record", "每个请求都有记录"),
    (
        "Thirty days of logs with tokens, latency and errors, and charts of your usage.",
        "保留 30 天日志，包含 token、延迟和错误，并提供用量图表。",
    ),
];

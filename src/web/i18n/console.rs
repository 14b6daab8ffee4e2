//! Chinese for the console.

pub(super) const ZH: &[(&str, &str)] = &[
    ("Signed in as", "当前登录："),
    ("Upstream keys enabled / healthy", "上游密钥 已启用 / 健康"),
    ("{} in the pool", "池中共 {} 个"),
    ("Requests today", "今日请求"),
    ("since 00:00 UTC", "自 UTC 00:00 起"),
    ("Success rate today", "今日成功率"),
    ("Last error", "最近错误"),
    ("Add an upstream key to start", "先添加一个上游密钥"),
    (
        "Nexus forwards your requests to your own provider keys: OpenAI-compatible, Gemini or Anthropic.",
        "Nexus 会把请求转发到你自己的服务商密钥：OpenAI 兼容、Gemini 或 Anthropic。",
    ),
    ("Add an upstream key", "添加上游密钥"),
    ("Your key", "你的密钥"),
    (
        "Keep it secret: anyone with it uses your upstreams.",
        "请妥善保管：拿到它的人可以使用你的上游。",
    ),
    ("Reveal", "显示"),
    (
        "You have no main key. Regenerate to get one.",
        "你还没有主密钥。重新生成即可获得。",
    ),
    ("Regenerate…", "重新生成…"),
    (
        "Regenerate your key? The current key stops working at once.",
        "确定重新生成密钥？当前密钥会立即失效。",
    ),
    (
        "I understand that my current key stops working at once.",
        "我知道当前密钥会立即失效。",
    ),
    ("Regenerate key", "重新生成密钥"),
    ("Use it with Claude Code", "在 Claude Code 中使用"),
    (
        "Reveal your key to fill it into these snippets.",
        "显示密钥后，它会自动填入下面的配置片段。",
    ),
    ("Then run claude as usual.", "然后照常运行 claude。"),
    ("More keys", "更多密钥"),
    (
        "Separate keys for separate machines (a laptop, CI) can be revoked one by one.",
        "为不同机器（笔记本、CI）分别创建密钥，可以逐个吊销。",
    ),
    ("No extra keys.", "没有额外的密钥。"),
    ("Key", "密钥"),
    (
        "Revoke this key? Anything using it stops working.",
        "确定吊销此密钥？使用它的程序将立即失效。",
    ),
    ("Revoke", "吊销"),
    ("Key name", "密钥名称"),
    ("Add key", "添加密钥"),
    ("Sessions", "会话"),
    ("Sign out everywhere", "在所有设备上退出"),
    (
        "Tick the box to confirm: the current key stops working at once.",
        "请勾选确认：当前密钥会立即失效。",
    ),
    (
        "Your new key is below. The old key no longer works.",
        "新密钥如下，旧密钥已失效。",
    ),
    (
        "A key name has 1 to 40 characters.",
        "密钥名称需要 1 到 40 个字符。",
    ),
    (
        "That name belongs to your main key; pick another.",
        "这个名称属于你的主密钥，请换一个。",
    ),
    (
        "New key added. It works at once; copy it from below.",
        "新密钥已添加并立即生效，请从下方复制。",
    ),
    (
        "You already have a key with that name.",
        "你已经有同名的密钥。",
    ),
];

//! Chinese for the mapping page.

pub(super) const ZH: &[(&str, &str)] = &[
    (
        "Claude Code asks for Claude models by name. Choose which of your providers' models answers each family.",
        "Claude Code 按名称请求 Claude 模型。在这里选择由你的服务商的哪个模型来回答每个系列。",
    ),
    (
        "The mapping was not saved. Check the marked fields below.",
        "映射未保存，请检查下方标出的字段。",
    ),
    (
        "A mapping matters once you have an upstream key",
        "添加上游密钥后，模型映射才会起作用",
    ),
    (
        "Add the key of a provider first; then choose here which of its models stands in for each Claude family.",
        "请先添加服务商的密钥，再在这里选择用它的哪个模型代替各个 Claude 系列。",
    ),
    ("You use your own mapping", "你正在使用自定义映射"),
    (
        "You use the system default mapping",
        "你正在使用系统默认映射",
    ),
    (
        "Go back to the system default? Your own targets are forgotten.",
        "确定恢复系统默认映射？你自定义的目标模型将被清除。",
    ),
    ("Reset to the system default", "恢复系统默认"),
    ("Family", "系列"),
    ("Claude models", "Claude 模型"),
    ("System default", "系统默认"),
    ("In effect for you", "当前生效"),
    ("none", "无"),
    (
        "Names that are not Claude's (e.g. deepseek-chat) go to the upstream unchanged.",
        "不是 Claude 的模型名（例如 deepseek-chat）会原样发往上游。",
    ),
    (
        "Your Anthropic keys get the Claude names as they are, unless your own mapping sets a target for that family.",
        "你的 Anthropic 密钥会收到原始的 Claude 模型名，除非你的自定义映射为该系列设置了目标。",
    ),
    ("Change your mapping", "修改你的映射"),
    ("Use your own mapping", "使用自定义映射"),
    (
        "Type a model name or pick one from the list. The list holds the models your keys reported and the targets in use.",
        "输入模型名称或从列表中选择。列表包含你的密钥报告的模型和正在使用的目标模型。",
    ),
    (
        "Quick, cheap tasks: titles, summaries, simple tools.",
        "快速、便宜的任务：标题、摘要、简单的工具调用。",
    ),
    (
        "Claude Code's everyday model: pick your best coding model.",
        "Claude Code 的日常主力模型：请选择你最好的编程模型。",
    ),
    ("The hardest tasks and planning.", "最难的任务和规划。"),
    ("other Claude models", "其他 Claude 模型"),
    ("Empty: same as sonnet", "留空：与 sonnet 相同"),
    (
        "Newer families Claude Code may ask for. Leave empty to follow sonnet.",
        "Claude Code 可能请求的更新系列。留空则跟随 sonnet。",
    ),
    ("Save mapping", "保存映射"),
    ("Switch to my mapping", "切换到自定义映射"),
    ("Models of your keys", "你的密钥提供的模型"),
    (
        "Ask each enabled key which models it offers, to pick from them above. It takes a few seconds.",
        "向每个已启用的密钥查询可用模型，以便在上方选择。需要几秒钟。",
    ),
    ("Load models from my keys", "从我的密钥获取模型列表"),
    (
        "You have no enabled key to ask.",
        "你没有可以查询的已启用密钥。",
    ),
    ("{} models", "{} 个模型"),
    // Form errors and notices.
    (
        "Enter a model name, or pick one from the list.",
        "请输入模型名称，或从列表中选择。",
    ),
    (
        "A model name has at most 200 characters.",
        "模型名称最多 200 个字符。",
    ),
    ("A model name has no spaces.", "模型名称不能包含空格。"),
    (
        "Your mapping is saved and used from the next request on.",
        "映射已保存，从下一个请求起生效。",
    ),
    (
        "Back to the system default mapping.",
        "已恢复系统默认映射。",
    ),
];

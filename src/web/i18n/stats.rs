//! Chinese for the stats page.

pub(super) const ZH: &[(&str, &str)] = &[
    ("per hour", "按小时"),
    ("per day", "按天"),
    ("{} to {}", "{} 至 {}"),
    // The range chooser.
    ("Time range", "时间范围"),
    ("Show these days", "查看所选日期"),
    ("Quick ranges", "快捷范围"),
    ("Choose a start date.", "请选择开始日期。"),
    ("The start date is in the future.", "开始日期不能晚于今天。"),
    ("Choose at most {} days.", "时间范围最多 {} 天。"),
    // Empty states.
    (
        "Point Claude Code at Nexus with the setup on the console; the figures show up here as you work.",
        "按控制台上的配置让 Claude Code 连接 Nexus，使用过程中统计数据会显示在这里。",
    ),
    ("No requests in this range", "此时间范围内没有请求"),
    ("Show the last 30 days", "查看最近 30 天"),
    ("See the logs", "查看日志"),
    // Totals.
    ("Totals", "总计"),
    ("{} succeeded", "成功 {} 个"),
    ("Failovers", "故障转移"),
    ("attempts retried on another key", "换用其他密钥重试的次数"),
    ("Tokens in", "输入 Token"),
    ("Tokens out", "输出 Token"),
    ("{} cache read, {} cache write", "缓存读取 {}，缓存写入 {}"),
    ("Average latency", "平均延迟"),
    ("95th percentile latency", "P95 延迟"),
    // Charts.
    ("Requests per hour", "每小时请求数"),
    ("Requests per day", "每天请求数"),
    ("Tokens per hour", "每小时 Token 数"),
    ("Tokens per day", "每天 Token 数"),
    ("Succeeded", "成功"),
    (
        "Requests per hour, {}: {} in all, {} failed.",
        "每小时请求数，{}：共 {} 个，失败 {} 个。",
    ),
    (
        "Requests per day, {}: {} in all, {} failed.",
        "每天请求数，{}：共 {} 个，失败 {} 个。",
    ),
    (
        "Tokens per hour, {}: {} in, {} cached, {} out.",
        "每小时 Token 数，{}：输入 {}，缓存 {}，输出 {}。",
    ),
    (
        "Tokens per day, {}: {} in, {} cached, {} out.",
        "每天 Token 数，{}：输入 {}，缓存 {}，输出 {}。",
    ),
    ("{}: {} requests, {} failed", "{}：{} 个请求，失败 {} 个"),
    (
        "{}: {} in, {} cached, {} out",
        "{}：输入 {}，缓存 {}，输出 {}",
    ),
    (
        "Times are UTC. Hover a bar for its figures.",
        "时间均为 UTC。将鼠标悬停在柱形上可查看具体数字。",
    ),
    ("The figures of each hour", "每小时明细"),
    ("The figures of each day", "每天明细"),
    (
        "Periods without requests are left out.",
        "没有请求的时段未列出。",
    ),
    // Breakdowns.
    ("Per upstream key", "按上游密钥"),
    ("Per model", "按模型"),
    ("no key reached", "未到达任何密钥"),
    ("Average", "平均"),
    ("p95", "P95"),
    (
        "Requests: those a key answered, successfully or not. Failovers: attempts that failed on the key and went on to another one.",
        "请求数：该密钥应答的请求（无论成功与否）。故障转移：在该密钥上失败后转到其他密钥的尝试。",
    ),
];

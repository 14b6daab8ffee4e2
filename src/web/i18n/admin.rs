//! Chinese for the admin page.

pub(super) const ZH: &[(&str, &str)] = &[
    ("Users", "用户"),
    ("Sign-in", "登录方式"),
    ("Role", "角色"),
    ("Since", "注册于"),
    ("admin", "管理员"),
    ("user", "用户"),
    ("disabled", "已停用"),
    ("active", "正常"),
    (
        "Disable this user? Their keys and sessions stop working at once.",
        "确定停用此用户？其密钥和会话会立即失效。",
    ),
    ("Administration", "系统管理"),
    ("The whole gateway, last 30 days", "整个网关，最近 30 天"),
    ("{} with requests, {} disabled", "{} 个有请求，{} 个已停用"),
    ("Requests, 30 days", "30 天请求数"),
    ("{} errors", "{} 个错误"),
    ("Tokens in / out", "输入 / 输出 Token"),
    ("{} out", "输出 {}"),
    (
        "Requests, errors and tokens over the last 30 days. Last active: the latest dashboard visit or key use.",
        "请求数、错误数和 Token 数均为最近 30 天。最近活跃：最近一次访问控制台或使用密钥的时间。",
    ),
    ("Last active", "最近活跃"),
    ("you", "你"),
];

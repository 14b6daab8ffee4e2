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
];

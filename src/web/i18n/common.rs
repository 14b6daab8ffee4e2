//! Chinese for what every page shares: the header, sign-in, error pages.

pub(super) const ZH: &[(&str, &str)] = &[
    ("Skip to content", "跳到正文"),
    ("Main", "主导航"),
    ("Console", "控制台"),
    ("Upstream keys", "上游密钥"),
    ("Model mapping", "模型映射"),
    ("Logs", "日志"),
    ("Stats", "统计"),
    ("Admin", "管理"),
    ("Sign out", "退出登录"),
    ("Sign in", "登录"),
    ("Sign in with GitHub", "使用 GitHub 登录"),
    ("or with a local account", "或使用本地账号"),
    ("Login", "用户名"),
    ("Password", "密码"),
    (
        "Run Claude Code on the LLM providers you already pay for.",
        "用你已经付费的大模型服务运行 Claude Code。",
    ),
    (
        "No way to sign in is set up yet. An operator can create an account with",
        "尚未配置任何登录方式。管理员可以用以下命令创建账号：",
    ),
    (
        ", or configure a GitHub OAuth app",
        "，或配置 GitHub OAuth 应用",
    ),
    (
        "Too many failed sign-ins. Wait {} and try again.",
        "登录失败次数过多。请等待 {} 后再试。",
    ),
    ("Wrong login or password.", "用户名或密码错误。"),
    ("never", "从未"),
    // Error pages.
    ("Not found", "未找到"),
    (
        "There is nothing here, or it is not yours.",
        "这里没有内容，或者它不属于你。",
    ),
    ("Something went wrong", "出错了"),
    (
        "Nexus could not finish this. Please try again in a moment.",
        "Nexus 未能完成此操作，请稍后重试。",
    ),
    ("Already taken", "已被占用"),
    ("Not valid", "无效"),
    ("Request refused", "请求被拒绝"),
    (
        "This form was sent from another site, so Nexus refused it. Open the page on this site and try again.",
        "此表单来自其他网站，Nexus 已拒绝。请在本站打开页面后重试。",
    ),
    ("Account disabled", "账号已停用"),
    (
        "This account has been disabled by an administrator of this Nexus.",
        "此账号已被 Nexus 管理员停用。",
    ),
    ("Administrators only", "仅限管理员"),
    (
        "This page is for the administrators of this Nexus.",
        "此页面仅供本 Nexus 的管理员使用。",
    ),
    ("GitHub sign-in is off", "GitHub 登录未开启"),
    (
        "This Nexus has no GitHub app configured. Sign in with a password instead.",
        "本 Nexus 未配置 GitHub 应用，请改用密码登录。",
    ),
    ("Sign-in cancelled", "登录已取消"),
    (
        "GitHub did not grant access, so you are not signed in. Sign in again and approve the request to continue.",
        "GitHub 未授予访问权限，因此你尚未登录。请重新登录并批准授权。",
    ),
    ("Sign-in expired", "登录已过期"),
    (
        "This sign-in link has expired or was opened in another browser. Start again from the sign-in page.",
        "此登录链接已过期，或在另一个浏览器中打开。请从登录页重新开始。",
    ),
    ("Sign-in not accepted", "登录未被接受"),
    (
        "GitHub did not accept this sign-in (the code expired or was already used). Start again from the sign-in page.",
        "GitHub 未接受此次登录（授权码已过期或已被使用）。请从登录页重新开始。",
    ),
    ("GitHub unreachable", "无法连接 GitHub"),
    (
        "Nexus could not reach GitHub to finish signing you in. Please try again shortly.",
        "Nexus 无法连接 GitHub 完成登录，请稍后重试。",
    ),
    ("Login already taken", "用户名已被占用"),
    ("Main key", "主密钥"),
    (
        "Your main key cannot be revoked; regenerate it instead.",
        "主密钥不能吊销，请改为重新生成。",
    ),
    ("That is you", "这是你自己"),
    (
        "You cannot disable your own account.",
        "你不能停用自己的账号。",
    ),
    // Words many pages use.
    ("Name", "名称"),
    ("Status", "状态"),
    ("Created", "创建于"),
    ("Last used", "最近使用"),
    ("last used", "最近使用"),
    ("Copy", "复制"),
    ("Copied", "已复制"),
    ("Enable", "启用"),
    ("Disable", "停用"),
    ("Save", "保存"),
    ("Cancel", "取消"),
    ("Delete", "删除"),
    ("Edit", "编辑"),
];

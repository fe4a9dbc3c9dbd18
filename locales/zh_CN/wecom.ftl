## 企业微信 / 政务微信渠道，以及 muster doctor

roster-duplicate-wecom-userid = 企业微信账号 { $userid } 重复（第 { $first_row } 行已使用）。
doctor-ok = ✔ { $channel }：{ $detail }
doctor-failed = ✘ { $channel }：{ $reason }
doctor-none = 没有配置任何渠道：请设置 MUSTER_TELEGRAM_TOKEN，或 MUSTER_WECOM_* 各项。
doctor-telegram-ok = 已通过认证，机器人 @{ $username }
doctor-wecom-ok = 已获取 access_token，应用「{ $name }」（AgentID { $agent }，{ $host }）
doctor-wecom-missing = 缺少配置：{ $vars }
doctor-wecom-untrusted-ip = 配置错误：本服务器的 IP 不在应用的企业可信 IP 中（errcode 60020）。请在管理后台「应用管理 › 本应用 › 企业可信IP」中添加本机出口 IP。
doctor-wecom-bad-secret = 配置错误：企业ID（MUSTER_WECOM_CORP_ID）或应用 Secret（MUSTER_WECOM_SECRET）不正确：{ $reason }
doctor-error = { $reason }
roster-field-wecom_userid = 企业微信账号

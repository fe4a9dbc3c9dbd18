## WeCom / 政务微信 channel, and muster doctor

roster-duplicate-wecom-userid = WeCom account { $userid } appears twice (first in row { $first_row }).
doctor-ok = ✔ { $channel }: { $detail }
doctor-failed = ✘ { $channel }: { $reason }
doctor-none = No channel is configured: set MUSTER_TELEGRAM_TOKEN, or the MUSTER_WECOM_* settings.
doctor-telegram-ok = authenticated as bot @{ $username }
doctor-wecom-ok = access token obtained, app "{ $name }" (AgentID { $agent }, { $host })
doctor-wecom-missing = not configured: { $vars }
doctor-wecom-untrusted-ip = configuration error: this server's IP is not a trusted IP of the app (errcode 60020). Add this machine's outgoing IP in the admin console under App Management › this app › Trusted IPs (企业可信IP).
doctor-wecom-bad-secret = configuration error: the corp ID (MUSTER_WECOM_CORP_ID) or the app Secret (MUSTER_WECOM_SECRET) is wrong: { $reason }
doctor-error = { $reason }
roster-field-wecom_userid = WeCom account

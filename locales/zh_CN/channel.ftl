## 聊天渠道适配

channel-send-text = 抱歉，目前只能识别文字消息。请直接输入文字，或发送 /menu 打开菜单。

"""What the widget's server side says to a citizen (Simplified Chinese)."""

TOO_LONG = "您的消息太长了（最多 {max_chars} 个字），请分几次发送，或只写最重要的内容。"
EMPTY = "消息内容不能为空，请输入您要反映的问题。"
MALFORMED = "消息格式有误，未能发送，请重新输入。"
NO_SESSION = "会话已失效，请刷新页面后重试。"
TOO_FAST = "您发送得太快了，请等上一条消息回复后再发送。"
BOT_FAILED = "系统暂时繁忙，您的消息已收到但未能处理，请稍后再试或拨打 12345 热线。"
HISTORY_UNAVAILABLE = "暂时无法读取对话记录，请稍后刷新页面重试。"

"""What the channel itself says to citizens (natural Simplified Chinese)."""

WELCOME = (
    "您好，欢迎关注12345政务服务便民热线！\n"
    "在这里您可以：咨询政策和办事流程，反映问题、投诉、举报，提出建议，查询工单进度。\n"
    "热线不受理：已进入诉讼、仲裁、信访或行政复议程序的事项，法院、检察院、纪检监察、军队的事项，以及查询他人隐私信息。\n"
    "隐私说明：您提供的姓名、电话、地址只用于办理您的诉求，按规定保密，可以选择匿名反映（维护自身权益的事项需要实名）。\n"
    "紧急情况请直接拨打：报警110，火警119，急救120，交通事故122。\n"
    "请直接用文字描述您的事情，也可以点击下方菜单。"
)
VOICE_NOT_RECOGNISED = "抱歉，没能识别您的语音内容。请直接打字告诉我您的情况，谢谢！"
IMAGE_RECEIVED = "已收到您发的图片，我们会把它作为证据附在您这次反映的事项里。请再用文字说明一下具体情况。"
UNSUPPORTED = "目前只能处理文字、语音、位置和图片消息，请用文字描述您的诉求。"
DISABLED = "微信渠道未配置：请设置环境变量 WECHAT_TOKEN（以及 WECHAT_APP_ID、WECHAT_APP_SECRET、WECHAT_ENCODING_AES_KEY）后重启。"
OPTIONS_HINT = "请回复数字选择："
BOT_FAILED = "抱歉，系统暂时出了点问题，请稍后再发一次，或直接拨打12345热线。"

# menu click EventKeys → the text the bot receives (configure the same keys in the menu, see docs/wechat.md)
MENU_TEXTS = {
    "CONSULT": "我要咨询",
    "REPORT": "我要反映问题",
    "ORDER_STATUS": "查询工单进度",
}

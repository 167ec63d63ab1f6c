from channels.guard import allowed_payload, citizen_message, clean_text


def test_typed_slash_commands_are_not_commands():
    assert clean_text("/restart") == "／restart"
    assert citizen_message("/restart", is_payload=True) == "／restart"
    assert citizen_message("/session_start", is_payload=True).startswith("／")
    assert citizen_message('/inform{"district": 1', is_payload=True).startswith("／")


def test_button_payloads_pass():
    assert citizen_message("/affirm", is_payload=True) == "/affirm"
    assert allowed_payload('/withdraw_order{"order_no":"SL20261125000001"}')
    assert allowed_payload("/emergency") is None


def test_control_characters_and_whitespace():
    assert clean_text("  你好\x00\x1b世界 \n") == "你好世界"
    assert clean_text("第一行\n第二行") == "第一行\n第二行"

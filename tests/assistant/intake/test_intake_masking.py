"""身份证号 and 手机号 masked wherever text is shown."""
import pytest

from assistant.intake.masking import has_identifiers, mask_text


@pytest.mark.parametrize("raw,masked", [
    ("身份证330302199001011234", "身份证3303**********1234"),
    ("身份证号33030219900101123X。", "身份证号3303**********123X。"),
    ("id 33030219900101123x", "id 3303**********123x"),
    ("电话13812345678", "电话138****5678"),
    ("手机：+86 139 1234 5678", "手机：139****5678"),
    ("手机 158-1234-5678 联系", "手机 158****5678 联系"),
    ("两个：13812345678、15900001111", "两个：138****5678、159****1111"),
])
def test_masks(raw, masked):
    assert mask_text(raw) == masked
    assert not has_identifiers(mask_text(raw))


@pytest.mark.parametrize("keep", [
    "罚款12000元，欠款1234567元",
    "订单号 6222021234567890123",           # 19 digits: not a phone, not an id
    "卡号138123456789012",                    # a phone number inside a longer digit run is not a phone
    "座机0577-88886666",
    "12345678901",                            # starts 12: not a mobile number
    "已打码的 138****2716 和 3303**********1234",
])
def test_leaves_other_numbers(keep):
    assert mask_text(keep) == keep


def test_empty():
    assert mask_text("") == "" and mask_text(None) == ""

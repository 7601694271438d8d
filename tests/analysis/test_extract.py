import pytest

from chipwatch.analysis.decode import UndecodableError, decode_text
from chipwatch.analysis.extract import NoArticleError, extract_document

ZH = "英伟达股价暴跌近17%，市值单日蒸发近6000亿美元，创下美国上市公司单日市值损失的纪录。分析人士认为这与深度求索的突破有关。"
JA = "エヌビディアの株価は一時17%下落し、時価総額はおよそ6000億ドル減少した。市場ではDeepSeekの影響が議論されている。"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(ZH, "gbk"), (ZH, "gb18030"), (ZH, "big5"), (JA, "shift_jis"), (JA, "euc_jp"), (ZH, "utf-8"), (JA, "utf-16")],
)
def test_plain_text_decodes_from_cjk_encodings(text: str, encoding: str) -> None:
    if encoding == "big5":
        text = "輝達股價暴跌近17%，市值單日蒸發近6000億美元，創下美國上市公司單日市值損失的紀錄。分析人士認為這與深度求索的突破有關。"
    data = text.encode(encoding)
    if encoding == "utf-16":
        assert data.startswith((b"\xff\xfe", b"\xfe\xff"))
    assert decode_text(data) == text


@pytest.mark.parametrize(("text", "encoding"), [(ZH, "gbk"), (JA, "shift_jis"), (ZH, "utf-8")])
def test_html_pages_are_extracted_in_their_declared_charset(text: str, encoding: str) -> None:
    page = (
        f'<html><head><meta charset="{encoding}"><title>title</title></head><body><nav>Home | Tech</nav>'
        f"<article><p>{text}</p><p>{text}</p></article><footer>Copyright notice</footer></body></html>"
    )
    out = extract_document(page.encode(encoding), content_type="text/html", url="http://127.0.0.1/a")
    assert text in out.text and "Copyright" not in out.text


def test_empty_binary_and_articleless_inputs_are_clear_errors() -> None:
    with pytest.raises(NoArticleError):
        extract_document(b"   \n")
    with pytest.raises(UndecodableError):
        extract_document(b"\x00\x01\x02binary\x00" * 50, content_type="application/octet-stream")
    with pytest.raises(NoArticleError):
        extract_document(b"<html><body><nav>menu</nav></body></html>", content_type="text/html")

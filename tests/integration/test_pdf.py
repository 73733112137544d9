"""PDF documents (issue 9): the public notice (公示), the acceptance certificate and the payment voucher summary.

Rendered by WeasyPrint with Debian's Noto CJK fonts; read back with pypdfium2: the text is extracted
(Chinese comes back as Han characters, not as boxes or nothing) and page 1 is rendered to pixels to
see that the title is drawn in the Noto CJK glyphs, each with its own shape (missing glyphs — "tofu" —
would be empty or identical boxes).
"""

import ctypes
import re
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from tests.flow import COMMERCE, CONTRACTOR_A, CONTRACTOR_B, FINANCE, LEADER, Flow
from tests.helpers import PASSWORD, make_user, token_headers

FINANCE_2 = "xp-finance-2"
VOUCHER = "XP-2024-记-0042"


def pdf_text(content: bytes) -> str:
    """All the text of a PDF, pages joined, without the line breaks a layout adds."""
    document = pdfium.PdfDocument(content)
    try:
        text = "".join(page.get_textpage().get_text_bounded() for page in document)
    finally:
        document.close()
    return "".join(text.split())


def title_glyphs(content: bytes, count: int) -> list[tuple[str, str, float]]:
    """The first ``count`` characters of page 1 (the title): each with its font and the share of dark pixels
    inside its glyph box, page 1 rendered at 144 dpi."""
    document = pdfium.PdfDocument(content)
    try:
        page = document[0]
        scale, height = 2, page.get_height()
        image = page.render(scale=scale).to_pil().convert("L")
        textpage = page.get_textpage()
        glyphs = []
        for index in range(count):
            left, bottom, right, top = textpage.get_charbox(index)
            box = image.crop((int(left * scale), int((height - top) * scale),
                              int(right * scale) + 1, int((height - bottom) * scale) + 1))
            histogram = box.histogram()
            font = ctypes.create_string_buffer(128)
            pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, font, len(font), None)
            ink = sum(histogram[:128]) / sum(histogram)
            glyphs.append((textpage.get_text_range(index, 1), font.value.decode(), ink))
    finally:
        document.close()
    return glyphs


def assert_pdf(resp: Any) -> bytes:
    assert resp.status_code == 200, resp.get_json()
    assert resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF-")
    content: bytes = resp.data
    return content


def test_the_public_notice_pdf_says_what_is_on_notice_until_when_and_where_to_object(flow: Flow) -> None:
    project, a, _ = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    notice_id = acceptance["notice"]["id"]

    content = assert_pdf(flow.client.get(f"/api/v1/public/notices/{notice_id}/notice.pdf"))  # no login
    text = pdf_text(content)

    assert "".join(project["name"].split()) in text
    assert "霞浦县" in text and "标段一" in text and "XX县电商物流服务有限公司" in text
    assert "验收结果合格" in text and text.count("合格") >= 1 + len(a["line_ids"])
    assert "2024年9月27日" in text and "2024年10月10日24:00" in text and "5个工作日" in text
    assert f"http://localhost/public/notices/{notice_id}" in text  # the objection address, absolute
    assert "宁德市纪委监委举报电话0593-12388" in text
    assert "霞浦县商务局" in text
    assert "二、公示期" in text and "三、异议方式" in text and "领导小组审定后按规定拨付补助资金。" in text
    accepted = sum(float(v["accepted_amount"]) for v in acceptance["verdicts"])
    assert f"{accepted:,.2f}" in text and "贰佰陆拾万元整" in text  # 40 % of 150万 + 500万 = 260万
    # the proposed payment (拟补助资金) as on the notice's page: the stage's 40 % of 650万, also 260万
    assert "拟拨付补助资金：人民币贰佰陆拾万元整（¥2,600,000.00）" in text


def test_the_public_notice_pdf_renders_chinese_glyphs_not_boxes(flow: Flow) -> None:
    project, a, _ = flow.selected_project()
    notice_id = flow.in_notice(project, a)["notice"]["id"]
    content = assert_pdf(flow.client.get(f"/api/v1/public/notices/{notice_id}/notice.pdf"))

    text = pdf_text(content)
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    assert han > 200 and "\ufffd" not in text and "□" not in text
    glyphs = title_glyphs(content, 6)
    assert "".join(ch for ch, _, _ in glyphs) == "验收结果公示"
    assert all("Noto-Serif-CJK-SC" in font for _, font, _ in glyphs), glyphs
    ink = [share for _, _, share in glyphs]
    assert min(ink) > 0.1, glyphs  # every glyph is drawn
    assert max(ink) > 1.3 * min(ink), glyphs  # and each its own shape: missing glyphs would be alike boxes


def test_the_public_notice_pdf_of_an_unknown_notice_is_a_404(flow: Flow) -> None:
    resp = flow.client.get("/api/v1/public/notices/999/notice.pdf")
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"


def test_a_notice_superseded_by_a_new_attempt_keeps_what_it_published(flow: Flow) -> None:
    """A re-application clears the verdicts; the first notice still shows the result it published."""
    project, a, _ = flow.selected_project()
    first = flow.in_notice(project, a)
    flow.object_to(first)
    acceptance = flow.acceptance(first["id"])
    objection = acceptance["objections"][0]["id"]
    flow.act_ok(first, "resolve_objection", objection_id=objection, decision="uphold", note="材料不实")
    flow.act_ok(first, "rectify", deadline="2024-11-30", note="补充建设材料")
    flow.act_ok(first, "reapply", as_=CONTRACTOR_A)
    flow.act_ok(first, "start_review")
    flow.act_ok(first, "pass", verdicts=flow.verdicts(project, a, share="0.30"))
    second = flow.publish(first)
    assert second["notice"]["id"] != first["notice"]["id"]

    old = pdf_text(assert_pdf(flow.client.get(f"/api/v1/public/notices/{first['notice']['id']}/notice.pdf")))
    new = pdf_text(assert_pdf(flow.client.get(f"/api/v1/public/notices/{second['notice']['id']}/notice.pdf")))
    assert "贰佰陆拾万元整" in old and "壹佰玖拾伍万元整" in new  # 40 % and 30 % of 650万


def test_the_certificate_pdf_lists_the_verdicts_and_who_decided_when(flow: Flow) -> None:
    project, a, _ = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    flow.after_notice(acceptance)
    flow.act_ok(acceptance, "close_notice")
    flow.act_ok(acceptance, "approve", as_=LEADER)

    text = pdf_text(assert_pdf(flow.get(f"/acceptances/{acceptance['id']}/certificate.pdf", CONTRACTOR_A)))
    assert "验收证书" in text and "第1阶段验收" in text and "验收结论合格" in text
    lines = {line["id"]: line for line in project["lines"]}
    for line_id in a["line_ids"]:
        assert "".join(lines[line_id]["item"].split()) in text
    assert "贰佰陆拾万元整" in text
    assert f"{COMMERCE}（商务部门）" in text and f"{LEADER}（领导小组）" in text
    assert f"{COMMERCE}（商务部门），2024年9月27日10:00" in text  # the verdict, Beijing time
    assert "领导小组已审定" in text


def test_the_certificate_pdf_is_read_like_the_acceptance(flow: Flow) -> None:
    project, a, b = flow.selected_project()
    acceptance = flow.passed(project, a)
    path = f"/acceptances/{acceptance['id']}/certificate.pdf"

    assert flow.client.get(f"/api/v1{path}").status_code == 401
    assert flow.get(path, CONTRACTOR_B).status_code == 404  # not its contract
    flow.user("fd-commerce", "commerce", region="530325")  # another county
    assert flow.get(path, "fd-commerce").status_code == 404
    flow.user("xp-admin", "admin")
    assert flow.get(path, "xp-admin").status_code == 403
    assert_pdf(flow.get(path, COMMERCE))
    assert_pdf(flow.get(path, "nd-inspector"))  # the city's inspector: inside its jurisdiction

    applied = flow.ok(flow.apply(b, CONTRACTOR_B), 201)
    resp = flow.get(f"/acceptances/{applied['id']}/certificate.pdf")
    assert resp.status_code == 409 and resp.get_json()["unmet"][0]["code"] == "no_verdict"


def _disbursed_advance(flow: Flow, a: dict[str, Any]) -> dict[str, Any]:
    flow.user(FINANCE_2, "finance")
    payment = flow.ok(flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "1950000.00"},
                                    CONTRACTOR_A), 201)
    flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": "verify"}, COMMERCE))
    flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": "approve"}, FINANCE))
    return flow.ok(flow.post(f"/payments/{payment['id']}/events",
                                 {"event": "disburse", "voucher_no": VOUCHER, "disbursed_on": "2024-09-27"},
                                 FINANCE_2))


def test_the_voucher_pdf_gives_the_amount_in_figures_and_capitals(flow: Flow) -> None:
    project, a, _ = flow.selected_project()
    payment = _disbursed_advance(flow, a)

    text = pdf_text(assert_pdf(flow.get(f"/payments/{payment['id']}/voucher.pdf", FINANCE)))
    assert "资金拨付凭证摘要" in text and "预拨资金" in text
    assert "¥1,950,000.00元" in text and "195万元" in text and "人民币壹佰玖拾伍万元整" in text
    assert VOUCHER in text and "2024年9月27日" in text
    assert "".join(project["name"].split()) in text and "标段一" in text
    for who, step in ((CONTRACTOR_A, "申请拨付"), (COMMERCE, "审核"), (FINANCE, "批准"), (FINANCE_2, "拨付")):
        assert step in text and who in text


def test_the_voucher_pdf_is_read_like_the_payment(flow: Flow) -> None:
    _, a, b = flow.selected_project()
    payment = _disbursed_advance(flow, a)
    path = f"/payments/{payment['id']}/voucher.pdf"

    assert flow.client.get(f"/api/v1{path}").status_code == 401
    assert flow.get(path, CONTRACTOR_B).status_code == 404
    make_user(flow.db, "fd-finance", "finance", "530325")
    assert flow.client.get(f"/api/v1{path}", headers=token_headers(flow.client, "fd-finance")).status_code == 404
    flow.user("xp-admin", "admin")
    assert flow.get(path, "xp-admin").status_code == 403
    assert_pdf(flow.get(path, CONTRACTOR_A))

    waiting = flow.ok(flow.post(f"/contracts/{b['id']}/payments", {"kind": "advance", "amount": "100000.00"},
                                    CONTRACTOR_B), 201)
    resp = flow.get(f"/payments/{waiting['id']}/voucher.pdf")
    assert resp.status_code == 409 and resp.get_json()["unmet"][0]["code"] == "not_disbursed"


def test_the_openapi_document_describes_the_pdfs(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    notice = paths["/api/v1/public/notices/{notice_id}/notice.pdf"]["get"]
    assert notice["security"] == [] and "application/pdf" in notice["responses"]["200"]["content"]
    for path in ("/api/v1/acceptances/{acceptance_id}/certificate.pdf", "/api/v1/payments/{payment_id}/voucher.pdf"):
        assert "application/pdf" in paths[path]["get"]["responses"]["200"]["content"]
        assert "409" in paths[path]["get"]["responses"]



def test_the_pages_link_to_their_pdfs_and_a_browser_session_downloads_them(flow: Flow) -> None:
    project, a, _ = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    payment = _disbursed_advance(flow, a)
    notice_id = acceptance["notice"]["id"]

    public_page = flow.client.get(f"/public/notices/{notice_id}").get_data(as_text=True)
    assert f'href="/api/v1/public/notices/{notice_id}/notice.pdf"' in public_page and "下载PDF" in public_page

    browser = flow.app.test_client()
    login = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', login)
    assert token is not None
    assert browser.post("/login", data={"username": COMMERCE, "password": PASSWORD,
                                        "csrf_token": token.group(1)}).status_code == 302
    for page, link in ((f"/acceptances/{acceptance['id']}", f"/api/v1/acceptances/{acceptance['id']}/certificate.pdf"),
                       (f"/payments/{payment['id']}", f"/api/v1/payments/{payment['id']}/voucher.pdf")):
        html = browser.get(page).get_data(as_text=True)
        assert f'href="{link}"' in html, page
        assert_pdf(browser.get(link))
    english = browser.get(f"/payments/{payment['id']}?lang=en").get_data(as_text=True)
    assert "Voucher summary (PDF)" in english and "Print the approval sheet (PDF)" in english

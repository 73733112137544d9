"""Printable documents as PDF (issue 9): authorised like the objects they show (SPEC §6, §9)."""

from typing import Any

from flask import Response, request
from flask_smorest import Blueprint

from disburse.api.common import db, now
from disburse.api.security import current_actor
from disburse.services import documents_pdf

blp = Blueprint("api_pdfs", __name__,
                description="PDF documents: the public notice, the acceptance certificate, the payment voucher "
                            "summary, the payment approval sheet")

PDF = {"200": {"description": "the document as PDF (Chinese)",
               "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}
#: the certificate before a verdict, the voucher before the payment is disbursed
NOT_YET = {**PDF, "409": "CONFLICT"}


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={filename}", "Cache-Control": "no-store"})


@blp.get("/public/notices/<int:notice_id>/notice.pdf")
@blp.doc(security=[], responses=PDF)
def notice_pdf(notice_id: int) -> Any:
    """The public notice (公示) of an acceptance result, no login; objections go to the notice's public page."""
    page = f"{request.host_url}public/notices/{notice_id}"
    return _pdf(documents_pdf.notice_pdf(db(), notice_id, page, now()), f"notice-{notice_id}.pdf")


@blp.get("/acceptances/<int:acceptance_id>/minutes.pdf")
@blp.doc(responses=NOT_YET)
def minutes_pdf(acceptance_id: int) -> Any:
    """The leading group's minutes (会签记录): who voted what and when, recusals, the rule and the outcome;
    409 before any member has voted (issue 21)."""
    return _pdf(documents_pdf.minutes_pdf(db(), current_actor(), acceptance_id, now()),
                f"acceptance-{acceptance_id}-minutes.pdf")


@blp.get("/acceptances/<int:acceptance_id>/certificate.pdf")
@blp.doc(responses=NOT_YET)
def certificate_pdf(acceptance_id: int) -> Any:
    """The acceptance certificate (验收证书): per-line verdicts, who decided and when; 409 before a verdict."""
    content = documents_pdf.certificate_pdf(db(), current_actor(), acceptance_id, now())
    return _pdf(content, f"acceptance-{acceptance_id}.pdf")


@blp.get("/payments/<int:payment_id>/voucher.pdf")
@blp.doc(responses=NOT_YET)
def voucher_pdf(payment_id: int) -> Any:
    """The payment voucher summary (拨付凭证摘要); 409 until the payment is disbursed."""
    return _pdf(documents_pdf.voucher_pdf(db(), current_actor(), payment_id, now()), f"payment-{payment_id}.pdf")


@blp.get("/payments/<int:payment_id>/approval-sheet.pdf")
@blp.doc(responses=PDF)
def approval_sheet_pdf(payment_id: int) -> Any:
    """The payment's approval sheet (审批单) at any step: project, contract, payee, amount in 元 and in capitals,
    the acceptance, the documents, each step with who and when, the voucher once disbursed (issue 18 item 4)."""
    content = documents_pdf.approval_sheet_pdf(db(), current_actor(), payment_id, now())
    return _pdf(content, f"approval-sheet-{payment_id}.pdf")

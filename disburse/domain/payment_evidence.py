"""What a payment request carries and what a disbursement records besides its voucher (issue 18 item 4).

A request may attach documents of its project — the invoice (发票), the acceptance report (验收报告), the
application (申请) — so whoever verifies, approves and disburses it sees the evidence of the decision
(seed 003 §5(2)3: 申请 → 审核 → 复核 → 公示 → 验收 → 拨付, each on the papers of the one before). A
disbursement may record the bank's transaction reference (银行交易流水号) beside the voucher number.
These are ``checks`` on the event's data in ``workflows/payment.yaml``, one small function each.
"""

from collections.abc import Callable

from disburse.domain.payment_gates import PaymentFacts
from disburse.domain.unmet import Unmet

EVIDENCE_CLAUSE = "《XX县创建国家级电子商务进农村综合示范县工作实施方案》 五(二)3③"
#: a bank's transaction reference is at most this long (the column's size)
BANK_REFERENCE_MAX = 64


def documents_of_the_project(f: PaymentFacts) -> list[Unmet]:
    """Each document a request attaches is a document of the payment's project that the requester may see;
    another project's, another county's or one that does not exist is refused by its number."""
    named = f.data.get("document_ids") or []
    foreign = [n for n in named if n not in f.project_documents]
    if not foreign:
        return []
    listed = "、".join(str(n) for n in foreign)
    return [Unmet("document_not_of_project", f"文件 {listed} 不是本项目的文件",
                  f"Document(s) {', '.join(str(n) for n in foreign)} are not documents of this project",
                  EVIDENCE_CLAUSE, field="document_ids")]


def bank_reference_written(f: PaymentFacts) -> list[Unmet]:
    """A bank reference, when given, has something in it besides spaces."""
    reference = f.data.get("bank_reference")
    if reference is None or (isinstance(reference, str) and reference.strip()):
        return []
    return [Unmet("bank_reference_blank", "银行交易流水号不能只有空格", "The bank reference is blank",
                  EVIDENCE_CLAUSE, field="bank_reference")]


EVIDENCE_CHECKS: dict[str, Callable[[PaymentFacts], list[Unmet]]] = {
    "documents_of_the_project": documents_of_the_project,
    "bank_reference_written": bank_reference_written,
}

"""Contracts (SPEC §11.1): sign on a tendered project, read with the ledger, withdraw."""

from typing import Any

from flask import g
from flask_smorest import Blueprint

from disburse.api.common import db, now
from disburse.api.schemas import ContractIn, ContractOut, ContractPage, PayeeIn
from disburse.api.security import current_actor
from disburse.services import contracts

blp = Blueprint("api_contracts", __name__, description="Contracts and contractors (SPEC §4, §5.1)")


@blp.post("/projects/<int:project_id>/contracts")
@blp.arguments(ContractIn)
@blp.response(201, ContractOut)
def sign(body: dict[str, Any], project_id: int) -> dict[str, Any]:
    actor = current_actor()
    contract_id = contracts.sign_contract(db(), actor, g.origin, project_id, body, now())
    return contracts.get_contract(db(), actor, contract_id)


@blp.get("/projects/<int:project_id>/contracts")
@blp.response(200, ContractPage)
def list_for_project(project_id: int) -> dict[str, Any]:
    return contracts.list_contracts(db(), current_actor(), project_id)


@blp.get("/contracts/<int:contract_id>")
@blp.response(200, ContractOut)
def get(contract_id: int) -> dict[str, Any]:
    return contracts.get_contract(db(), current_actor(), contract_id)


@blp.delete("/contracts/<int:contract_id>")
@blp.response(204)
def withdraw(contract_id: int) -> None:
    contracts.withdraw_contract(db(), current_actor(), g.origin, contract_id, now())


@blp.put("/contracts/<int:contract_id>/payee")
@blp.arguments(PayeeIn)
@blp.response(200, ContractOut)
def record_payee(body: dict[str, Any], contract_id: int) -> dict[str, Any]:
    """Record or correct the payee's bank and account (county commerce; audited as ``contract.record_payee``)."""
    actor = current_actor()
    contracts.record_payee(db(), actor, g.origin, contract_id, body, now())
    return contracts.get_contract(db(), actor, contract_id)

"""Spreadsheets officials exchange (issue 9): the plan's budget table in and out, ledgers and reports out.

``plan`` writes and reads the budget-table workbook (seed 000 §7, seed 001 §6(1)); ``exports`` lays out
the payment ledger and the monthly progress report (seed 004 §8(1)3); ``cells`` holds what they share.
The data comes from ``disburse.services.exports``; nothing here touches the database. Layout: docs/excel.md.
"""

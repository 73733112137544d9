"""Every workflow the service runs, loaded and checked when the app starts (issue 15).

Loading a workflow binds its file to its functions (:class:`disburse.domain.workflow.Workflow`): a
state or trigger the code does not know, a guard, chooser or effect without its function, or a function
no transition names, is a :class:`~disburse.domain.workflow.WorkflowError` naming the file and the
transition — raised by :func:`load_all` from ``create_app``, so a broken file stops the app from
starting instead of skipping an effect at the first request.
"""

from collections.abc import Callable
from typing import Any

from disburse.domain.workflow import Workflow
from disburse.services import (
    acceptances,
    amendments,
    applications,
    payments,
    projects,
    recoveries,
    volume_reports,
)

#: Each workflow by the name of its file, with the function that loads it once.
LOADERS: dict[str, Callable[[], Workflow[Any, Any]]] = {
    "project": projects.workflow, "acceptance": acceptances.workflow, "payment": payments.workflow,
    "amendment": amendments.workflow, "recovery": recoveries.workflow,
    "application": applications.workflow, "volume_report": volume_reports.workflow}


def load_all() -> dict[str, Workflow[Any, Any]]:
    """Every workflow, loaded (once) and checked."""
    return {name: load() for name, load in LOADERS.items()}

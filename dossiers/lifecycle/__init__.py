"""The dossier's lifecycle (vòng đời hồ sơ): one table of transitions, one way to take them.

The public state is the national statuses 1 to 10 (DOMAIN.md). Under status 4 a dossier moves
along the internal steps of its procedure's workflow: with the specialist, with the department
head, awaiting the leader, awaiting signature. ``RULES`` says, for every action, from which
statuses (and steps) it may be taken, by which roles, and in which agency: the reception
agency while the dossier is at the desk (statuses 1, 2 and 9), otherwise the agency holding it
(the competent agency, or the one it was handed to for its part).

Every action is one service, one transaction: it locks the dossier, checks the rule and the
actor's role, writes the dossier (its revision goes up by one), an immutable event (who, role,
agency, when, note, old and new status and step), and announces the change to the apps above
(``dossiers.hooks``: the sync writes its outbox row in the same transaction).
Nothing else changes a dossier's state. A refused action changes nothing and is logged.

The package, by part: ``rules`` (the table and who may act), ``engine`` (the one transaction
every action goes through), and the actions by stage: ``desk``, ``processing``, ``payments``,
``results``. Callers read one name: ``from dossiers import lifecycle``; ``lifecycle.receive``.
"""

# What the actions raise, read where they are called (``except lifecycle.NotPermitted``).
from dossiers.errors import (  # noqa: F401
    Conflict,
    NotPermitted,
    StaleDossier,
    TransitionNotAllowed,
)
from dossiers.lifecycle.creation import dossier_create, dossier_submit  # noqa: F401
from dossiers.lifecycle.desk import (  # noqa: F401
    receive,
    refuse,
    request_supplement,
    supplement,
    withdraw,
)
from dossiers.lifecycle.engine import (  # noqa: F401
    Change,
    acting_agency_of_event,
    log_denial,
    perform,
    reason_text,
)
from dossiers.lifecycle.history import (  # noqa: F401
    history_announce,
    history_import_dossiers,
    history_import_events,
)
from dossiers.lifecycle.payments import (  # noqa: F401
    confirm_payment,
    request_payment,
)
from dossiers.lifecycle.processing import (  # noqa: F401
    PathStep,
    approve,
    assign,
    claim,
    extend,
    forward,
    hand_back,
    hand_over,
    processing_path,
    send_back,
    stop,
)
from dossiers.lifecycle.results import (  # noqa: F401
    RETURN_METHODS,
    attach_result,
    finished_fields,
    issue_result,
    return_result,
)
from dossiers.lifecycle.rules import (  # noqa: F401
    APPLICANT,
    AT_DESK,
    EVENT_KIND,
    GATEWAY,
    GATEWAY_ACTOR,
    NOT_SYNCED,
    NOTIFIED,
    OPEN,
    PROCESSING_ROLES,
    RULES,
    Action,
    Rule,
    acting_agency,
    allowed_actions,
    check,
    roles_in,
    step_role,
)
from dossiers.lifecycle.signing import (  # noqa: F401
    BatchOutcome,
    SigningRefused,
    accept_external,
    second_factor_check,
    sign_and_issue,
    sign_batch,
    sign_result,
)

"""The one type of a refused domain action, and its few kinds.

A service that refuses raises `DomainError(zh, en, field=...)`: the reason in Chinese (what a
clerk or an applicant reads), the same in English (the API's ``reason_en``, the logs), and the input
it concerns when there is one. Nothing has been written when it is raised. Each front end has ONE
mapper from a refusal to its answer: `shebao.api.errors` (problem details) and
`shebao.backoffice.errors` (the page's message); a command prints ``zh``.

The kinds below differ only in the answer a front end gives (``status``, the error ``code`` and the
problem type); they are built and read the same way:

>>> e = Conflict("申请已办结", "the case is closed", field="file")
>>> (e.status, e.code, e.field, e.zh)
(409, 'conflict', 'file', '申请已办结')
>>> DomainError("须说明做了什么", "a description is required", field="description").status
400
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused request: the input is invalid for the rules (HTTP 400 in the API).

    ``zh`` and ``en`` say why; ``field`` names the input (``facts.period.from``, ``Idempotency-Key``)
    or is the kind's default (``field_default``) when the refusal is about no single input.
    """

    status = 400  # the HTTP status a front end answers with
    code = "invalid"  # the code of the error entry (problem details' errors[].code)
    problem = "validation"  # the problem type (the last part of problem details' `type`)
    field_default = ""

    def __init__(self, zh: str, en: str, *, field: str | None = None) -> None:
        super().__init__(zh)
        self.zh, self.en = zh, en
        self.field = self.field_default if field is None else field

    def entries(self) -> list[tuple[str, str, str]]:
        """(field, zh, en) for each input at fault; one unless a kind names several at once."""
        return [(self.field, self.zh, self.en)]



class UploadRefused(DomainError):
    """A file is refused (empty, too large, of a type its content does not show, too many)."""

    code = "invalid_upload"
    problem = "upload"
    field_default = "file"


class Conflict(DomainError):
    """The request does not fit the current state (a case's status, a version read before a change)."""

    status = 409
    code = "conflict"
    problem = "conflict"
    field_default = "action"


class Unprocessable(DomainError):
    """A well-formed request the rules cannot carry out as it stands (a missing precondition, a date
    that needs a confirmation, a key reused for another request)."""

    status = 422
    code = "unprocessable"
    problem = "unprocessable"
    field_default = "action"


class PreconditionRequired(DomainError):
    """A change to a versioned record sent without the version the caller read (HTTP 428): applied
    blindly it could overwrite what someone else did meanwhile (a lost update, review-input12 F13)."""

    status = 428
    code = problem = "precondition_required"
    field_default = "version"


class IdempotencyMismatch(Unprocessable):
    """The same Idempotency-Key was sent with a different request (nothing is stored twice)."""

    code = problem = "idempotency_mismatch"
    field_default = "Idempotency-Key"

    def __init__(self, zh: str = "该幂等键已用于另一份不同的申请", en: str = "the key was used for a different request",
                 *, field: str | None = None) -> None:
        super().__init__(zh, en, field=field)

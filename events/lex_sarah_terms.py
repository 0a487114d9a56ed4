"""The vocabulary of a Lex Sarah investigation (SOSFS 2011:5 ch. 5): the finding kinds and
which of them a decision requires, the grades, who is informed, what goes to IVO. Stored
as the enums' values, so moving them here changed no stored event."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class FindingKind(enum.Enum):
    """What the investigation must document (SOSFS 2011:5 ch. 5)."""

    HANDELSE = "handelse"  # what happened and its consequences for the individual
    TIDPUNKT = "tidpunkt"  # when it happened
    UPPTACKT = "upptackt"  # when and how it was noticed
    ORSAK = "orsak"  # causes
    TIDIGARE = "tidigare"  # earlier similar events
    UPPREPNING = "upprepning"  # risk of recurrence
    ATGARD = "atgard"  # measures, with dates
    OVRIGT = "ovrigt"  # other

    @property
    def description(self) -> str:
        """English msgid naming what the kind documents, with its code for API clients."""
        return KIND_DESCRIPTIONS[self]


KIND_DESCRIPTIONS: dict[FindingKind, str] = {
    FindingKind.HANDELSE: "what happened and its consequences (handelse)",
    FindingKind.TIDPUNKT: "when it happened (tidpunkt)",
    FindingKind.UPPTACKT: "when and how it was noticed (upptackt)",
    FindingKind.ORSAK: "the causes (orsak)",
    FindingKind.TIDIGARE: "earlier similar events (tidigare)",
    FindingKind.UPPREPNING: "the risk that it happens again (upprepning)",
    FindingKind.ATGARD: "the measures taken, with dates (atgard)",
    FindingKind.OVRIGT: "other (ovrigt)",
}

# What the investigation must document before a decision (SOSFS 2011:5 ch. 5), in order.
REQUIRED_KINDS: tuple[FindingKind, ...] = (
    FindingKind.HANDELSE,
    FindingKind.TIDPUNKT,
    FindingKind.UPPTACKT,
    FindingKind.ORSAK,
    FindingKind.TIDIGARE,
    FindingKind.UPPREPNING,
    FindingKind.ATGARD,
)


class IvoInvestigation(enum.Enum):
    """What went with the anmälan to IVO: the investigation so far, or it follows later."""

    ATTACHED = "bifogad"
    TO_FOLLOW = "kompletteras"


class DocumentPurpose(enum.Enum):
    """What a frozen version of the investigation document was made for."""

    IVO = "ivo"  # to go to IVO (with the anmälan, or as its komplettering)
    DECISION = "decision"  # the basis of the decision (beslutsunderlag)


class FindingNature(enum.Enum):
    FACT = "fact"
    ASSESSMENT = "assessment"


class Grade(enum.Enum):
    INTE_MISSFORHALLANDE = "inte_missforhallande"
    RISK_MISSFORHALLANDE = "risk_missforhallande"
    MISSFORHALLANDE = "missforhallande"
    RISK_ALLVARLIGT = "risk_allvarligt"
    ALLVARLIGT = "allvarligt"

    @property
    def is_serious(self) -> bool:
        """The two grades that must be reported to IVO."""
        return self in (Grade.RISK_ALLVARLIGT, Grade.ALLVARLIGT)


class InformedParty(enum.Enum):
    INDIVIDUAL = "individual"
    REPRESENTATIVE = "representative"


class LexSarahStatus(enum.Enum):
    OPEN = "open"
    DECIDED = "decided"
    REPORTED_TO_IVO = "reported_to_ivo"
    CLOSED = "closed"


@dataclass
class Finding:
    kind: FindingKind
    text: str
    dated_on: date
    source: str
    nature: FindingNature
    author: str
    author_title: str | None = None  # befattning/titel; unknown for findings before v2


@dataclass
class NotApplicable:
    kind: FindingKind
    reason: str
    author: str
    author_title: str


@dataclass(frozen=True)
class DocumentVersion:
    """A numbered, frozen version of the investigation document: its files' SHA-256 (the
    bytes are kept by LexSarahDocument) and the SHA-256 of the content it was made from."""

    number: int
    purpose: DocumentPurpose
    pdf_sha256: str
    docx_sha256: str
    content_sha256: str
    frozen_on: date
    frozen_by: str

"""Causes (orsaker) as versioned organisation data, like the taxonomy: a cause analysis
records stable codes beside its free text, so the monthly report can count "frånvaro/
bemanning (2), information saknades (2)" as the source municipality's report did."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from events.errors import UnknownCode, ValidationFailed

MAX_CAUSES = 9  # every default cause at once is already an analysis that says nothing


@dataclass(frozen=True)
class Cause:
    code: str
    name: str
    active: bool = True


@dataclass(frozen=True)
class CauseList:
    """Events store only the codes, so renaming a cause (a new version) rewrites nothing."""

    version: int
    causes: Mapping[str, Cause]

    def check(self, codes: Iterable[str]) -> tuple[str, ...]:
        """The chosen codes in list order, without duplicates; at least one, all active."""
        chosen = list(dict.fromkeys(code.strip() for code in codes if code and code.strip()))
        if not chosen:
            raise ValidationFailed("causes", "Choose at least one cause.")
        if len(chosen) > MAX_CAUSES:
            raise ValidationFailed("causes", "Choose at most %(max)d causes.", max=MAX_CAUSES)
        for code in chosen:
            found = self.causes.get(code)
            if found is None or not found.active:
                raise UnknownCode("causes", "Unknown cause code: %(code)s", code=code)
        order = list(self.causes)
        return tuple(sorted(chosen, key=order.index))

    def name(self, code: str) -> str:
        found = self.causes.get(code)
        return found.name if found else code

    def active(self) -> list[Cause]:
        return [cause for cause in self.causes.values() if cause.active]


DEFAULT_CAUSES = CauseList(
    version=1,
    causes={
        cause.code: cause
        for cause in (
            Cause("franvaro_bemanning", "Frånvaro eller bemanning"),
            Cause("rutin_saknas", "Rutin saknas"),
            Cause("rutin_foljs_inte", "Rutin följs inte"),
            Cause("kommunikation", "Kommunikation eller överlämning"),
            Cause("information_saknades", "Information saknades"),
            Cause("enskildes_medverkan", "Den enskildes medverkan"),
            Cause("teknik", "Teknik eller system"),
            Cause("mansklig_faktor", "Mänsklig faktor"),
            Cause("annat", "Annat"),
        )
    },
)

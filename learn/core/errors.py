"""Errors raised by the core and the content loader."""

from __future__ import annotations

from collections.abc import Iterable


class LearnError(Exception):
    """Base class of every error the platform raises on purpose."""


class ContentError(LearnError):
    """One problem in a content file: where it is and what was expected."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(path, line, message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"

    def __repr__(self) -> str:
        return f"ContentError({self.path!r}, {self.line!r}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ContentError):
            return NotImplemented
        return (self.path, self.line, self.message) == (other.path, other.line, other.message)

    def __hash__(self) -> int:
        return hash((self.path, self.line, self.message))


class ContentErrors(LearnError):
    """Every problem found in a set of content files, in file and line order."""

    def __init__(self, errors: Iterable[ContentError]) -> None:
        self.errors: list[ContentError] = list(errors)
        super().__init__(self.errors)

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)

    def __len__(self) -> int:
        return len(self.errors)


class QuizError(LearnError):
    """An answer that does not fit its question (unknown id, wrong count, broken path)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

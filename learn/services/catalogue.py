"""Content in the database: import from files, and the live versions learners get."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import bindparam, func, select

from learn.content.loader import load_tree, parse_course_text, parse_quiz_text
from learn.content.render import RenderedBody, render_body
from learn.core.course import Course as CoreCourse
from learn.core.course import Module as CoreModule
from learn.core.course import content_hash
from learn.core.quiz import Quiz as CoreQuiz
from learn.extensions import db, plain
from learn.kept import Kept
from learn.models import (
    AuditEvent,
    Course,
    CourseVersion,
    Module,
    ModuleVersion,
    Person,
    QuizVersion,
    VersionState,
)
from learn.models.base import utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One thing an import would do: ``kind`` is "new", "changed" or "unchanged"."""

    kind: str
    what: str  # "course", "module" or "quiz"
    slug: str
    course: str
    title: str = ""


@dataclass
class ImportReport:
    """What an import did (or, for a preview, would do)."""

    changes: list[Change] = field(default_factory=list)

    @property
    def written(self) -> list[Change]:
        return [c for c in self.changes if c.kind != "unchanged"]

    def summary(self) -> str:
        """Return e.g. "2 new, 1 changed, 30 unchanged"."""
        counts = {k: sum(1 for c in self.changes if c.kind == k) for k in ("new", "changed")}
        unchanged = len(self.changes) - counts["new"] - counts["changed"]
        return f"{counts['new']} new, {counts['changed']} changed, {unchanged} unchanged"


def _next_number(model, owner_column, owner_id: int) -> int:
    current = db.session.scalar(select(func.max(model.number)).where(owner_column == owner_id))
    return (current or 0) + 1


def _kind(latest, text: str) -> str:
    if latest is None:
        return "new"
    return "unchanged" if latest.content_hash == content_hash(text) else "changed"


def plan_import(tree: list[tuple[CoreCourse, dict[str, CoreQuiz]]]) -> ImportReport:
    """Return what importing ``tree`` would change, without writing anything."""
    report = ImportReport()
    for course, quizzes in tree:
        row = db.session.scalar(select(Course).where(Course.slug == course.slug))
        live = row.live_version if row else None
        report.changes.append(
            Change(
                _kind(live, course.source_text), "course", course.slug, course.slug, course.title
            )
        )
        for module in course.modules:
            mod_row = (
                db.session.scalar(
                    select(Module).where(Module.course_id == row.id, Module.slug == module.slug)
                )
                if row
                else None
            )
            report.changes.append(
                Change(
                    _kind(mod_row.live_version if mod_row else None, module.source_text),
                    "module",
                    module.slug,
                    course.slug,
                    module.title,
                )
            )
            quiz = quizzes[module.slug]
            report.changes.append(
                Change(
                    _kind(mod_row.live_quiz_version if mod_row else None, quiz.source_text),
                    "quiz",
                    module.slug,
                    course.slug,
                    module.title,
                )
            )
    return report


def import_tree(
    tree: list[tuple[CoreCourse, dict[str, CoreQuiz]]], actor: Person | None = None
) -> ImportReport:
    """Write every changed file of ``tree`` as a new published version, in one transaction.

    Unchanged files write nothing, so importing twice changes nothing.
    """
    report = plan_import(tree)
    try:
        for course, quizzes in tree:
            _import_course(course, quizzes, actor)
        if report.written:
            db.session.add(
                AuditEvent(
                    actor_id=actor.id if actor else None,
                    action="content_imported",
                    subject="courses:" + ",".join(c.slug for c, _ in tree),
                    detail={"summary": report.summary()},
                )
            )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    logger.info("content imported: %s", report.summary())
    return report


def import_path(root: Path, actor: Person | None = None) -> ImportReport:
    """Load and validate every file under ``root``, then import it all or nothing.

    :raises ContentErrors: a file has a problem; nothing is written.
    """
    return import_tree(load_tree(root), actor)


def _import_course(course: CoreCourse, quizzes: dict[str, CoreQuiz], actor: Person | None) -> None:
    row = db.session.scalar(select(Course).where(Course.slug == course.slug))
    if row is None:
        row = Course(slug=course.slug)
        db.session.add(row)
        db.session.flush()
    if _kind(row.live_version, course.source_text) != "unchanged":
        version = CourseVersion(
            course_id=row.id,
            number=_next_number(CourseVersion, CourseVersion.course_id, row.id),
            content_hash=content_hash(course.source_text),
            **course_version_fields(course),
            created_by_id=actor.id if actor else None,
        )
        set_live(row, version)
    for module in course.modules:
        mod_row = db.session.scalar(
            select(Module).where(Module.course_id == row.id, Module.slug == module.slug)
        )
        if mod_row is None:
            mod_row = Module(course_id=row.id, slug=module.slug)
            db.session.add(mod_row)
            db.session.flush()
        if _kind(mod_row.live_version, module.source_text) != "unchanged":
            version = ModuleVersion(
                module_id=mod_row.id,
                number=_next_number(ModuleVersion, ModuleVersion.module_id, mod_row.id),
                content_hash=content_hash(module.source_text),
                **module_version_fields(module),
                created_by_id=actor.id if actor else None,
            )
            set_live(mod_row, version)
        quiz = quizzes[module.slug]
        if _kind(mod_row.live_quiz_version, quiz.source_text) != "unchanged":
            version = QuizVersion(
                module_id=mod_row.id,
                number=_next_number(QuizVersion, QuizVersion.module_id, mod_row.id),
                content_hash=content_hash(quiz.source_text),
                **quiz_version_fields(quiz),
                created_by_id=actor.id if actor else None,
            )
            set_live(mod_row, version, quiz=True)


def course_version_fields(course: CoreCourse) -> dict:
    """Return the stored columns of a course version made from ``course``."""
    return {
        "title": course.title,
        "summary": course.summary,
        "sources": [
            {"id": s.id, "title": s.title, "publisher": s.publisher, "year": s.year, "url": s.url}
            for s in course.sources
        ],
        "tracks": [
            {
                "slug": t.slug,
                "title": t.title,
                "audience": t.audience,
                "lenses": sorted(t.lenses),
                "certificate_validity_months": t.certificate_validity_months,
                "modules": list(t.modules),
            }
            for t in course.tracks
        ],
        "source_text": course.source_text,
    }


def module_version_fields(module: CoreModule) -> dict:
    """Return the stored columns of a module version; the body is rendered here, once."""
    return {
        "position": module.number,
        "title": module.title,
        "minutes": module.minutes,
        "objectives": list(module.objectives),
        "sources": list(module.sources),
        "content_note": module.content_note,
        "body_rendered": render_body(module.body).to_json(),
        "source_text": module.source_text,
    }


def quiz_version_fields(quiz: CoreQuiz) -> dict:
    """Return the stored columns of a quiz version."""
    return {
        "pass_mark": quiz.pass_mark,
        "question_count": len(quiz.questions),
        "source_text": quiz.source_text,
    }


def set_live(row, version, *, quiz: bool = False) -> None:
    """Publish ``version`` and point ``row`` at it; the previous live version is superseded."""
    previous = row.live_quiz_version if quiz else row.live_version
    if previous is not None and previous is not version:
        previous.state = VersionState.SUPERSEDED
    version.state = VersionState.PUBLISHED
    version.published_at = utcnow()
    db.session.add(version)
    db.session.flush()
    if quiz:
        row.live_quiz_version_id = version.id
        row.live_quiz_version = version
    else:
        row.live_version_id = version.id
        row.live_version = version


# --- reading the live content ------------------------------------------------------------


@lru_cache(maxsize=64)
def _parse_course(version_id: int, text: str, slug: str) -> CoreCourse:
    return parse_course_text(text, f"courses/{slug}/course.yml")


def core_course(version: CourseVersion) -> CoreCourse:
    """Return the parsed course of a stored version (versions never change, so it is cached)."""
    return _parse_course(version.id, version.source_text, version.course.slug)


@lru_cache(maxsize=512)
def _parse_quiz(version_id: int, text: str, path: str, module_slug: str) -> CoreQuiz:
    # The course was checked when the version was saved; only the quiz is parsed here.
    return parse_quiz_text(text, path, None)


def core_quiz(version: QuizVersion) -> CoreQuiz:
    """Return the parsed quiz of a stored version (cached: versions never change)."""
    module = version.module
    path = f"quizzes/{module.course.slug}/{module.slug}.yml"
    return _parse_quiz(version.id, version.source_text, path, module.slug)


@lru_cache(maxsize=512)
def _rendered(version_id: int, text: str) -> RenderedBody:
    return RenderedBody.from_json(text)


def rendered_body(version: ModuleVersion) -> RenderedBody:
    """Return the stored, already sanitised body of a module version."""
    return _rendered(version.id, version.body_rendered)


def live_courses() -> list[Course]:
    """Return the courses that have a live version, by title."""
    rows = db.session.scalars(
        select(Course).where(Course.live_version_id.is_not(None)).order_by(Course.slug)
    ).all()
    return sorted(rows, key=lambda c: course_info(c.live_version_id).title)


def find_course(slug: str) -> Course | None:
    """Return the live course ``slug``, or None."""
    return db.session.scalar(
        select(Course).where(Course.slug == slug, Course.live_version_id.is_not(None))
    )


def find_module(course: Course, slug: str) -> Module | None:
    """Return the module ``slug`` of ``course`` if it is live, or None."""
    return db.session.scalar(
        select(Module).where(
            Module.course_id == course.id,
            Module.slug == slug,
            Module.live_version_id.is_not(None),
        )
    )


# Statements the learner pages run on every request are built once: building a statement
# and its cache key costs more than running it.
_COURSE_MODULES = select(Module).where(
    Module.course_id == bindparam("course_id"), Module.live_version_id.is_not(None)
)
_LIVE_MODULES = (
    select(Course, Module)
    .join(Module, Module.course_id == Course.id)
    .where(
        Course.slug == bindparam("slug"),
        Course.live_version_id.is_not(None),
        Module.live_version_id.is_not(None),
    )
)


def course_modules(course: Course) -> dict[str, Module]:
    """Return the live modules of ``course`` by slug (one query)."""
    rows = db.session.scalars(_COURSE_MODULES, {"course_id": course.id}).all()
    return {m.slug: m for m in rows}


def live_modules(course_slug: str) -> tuple[Course, dict[str, Module]] | None:
    """Return the live course ``course_slug`` and its live modules by slug (one query)."""
    rows = db.session.execute(_LIVE_MODULES, {"slug": course_slug}).all()
    if not rows:
        return None
    return rows[0][0], {module.slug: module for _, module in rows}


class LiveCourse(NamedTuple):
    """What the reading pages need of a live course: a plain row, not an ORM object."""

    id: int
    slug: str
    live_version_id: int | None


class LiveModule(NamedTuple):
    """What the reading pages need of a live module: a plain row, not an ORM object."""

    id: int
    course_id: int
    slug: str
    live_version_id: int
    live_quiz_version_id: int | None


_COURSE_COLUMNS = (Course.id, Course.slug, Course.live_version_id)
_MODULE_COLUMNS = (
    Module.id,
    Module.course_id,
    Module.slug,
    Module.live_version_id,
    Module.live_quiz_version_id,
)
_LIVE_MODULE_ROWS = _LIVE_MODULES.with_only_columns(*_COURSE_COLUMNS, *_MODULE_COLUMNS)
#: The live modules of several courses, with their course.
COURSES_MODULE_ROWS = (
    select(*_COURSE_COLUMNS, *_MODULE_COLUMNS)
    .join(Module, Module.course_id == Course.id)
    .where(Course.id.in_(bindparam("ids", expanding=True)), Module.live_version_id.is_not(None))
)
COURSE_ROWS = select(*_COURSE_COLUMNS).where(Course.id.in_(bindparam("ids", expanding=True)))


def split_course_module(row) -> tuple[LiveCourse, LiveModule]:
    """Return the course and the module of a row of ``_COURSE_COLUMNS + _MODULE_COLUMNS``."""
    return LiveCourse(*row[:3]), LiveModule(*row[3:])


def live_module_rows(course_slug: str) -> tuple[LiveCourse, dict[str, LiveModule]] | None:
    """``live_modules`` as plain rows, for pages that only read (one query)."""
    rows = plain(_LIVE_MODULE_ROWS, {"slug": course_slug}).all()
    if not rows:
        return None
    pairs = [split_course_module(row) for row in rows]
    return pairs[0][0], {module.slug: module for _, module in pairs}


# --- what learner pages show of a version, kept per process ------------------------------
#
# A published version never changes: an edit, an import or a rollback writes a new one. So
# what the learner pages show of a version is read once per process, keyed by the version's
# id, and its big text columns are not read again on every request. Drafts, which are edited
# in place, are never kept. Which version is live is still read from the small identity
# rows (courses, modules, progress) on every request, so a publish reaches every worker at
# once: there is nothing to invalidate.

_KEPT_STATES = (VersionState.PUBLISHED, VersionState.SUPERSEDED)


@dataclass(frozen=True)
class CourseInfo:
    """What learner pages show of one course version. Treat ``tracks`` as read-only."""

    id: int
    number: int
    title: str
    summary: str
    #: [{"slug", "title", "audience", "lenses", "certificate_validity_months", "modules"}]
    tracks: list
    sources: list

    def track(self, slug: str) -> dict | None:
        """Return the track called ``slug`` in this version, or None."""
        return next((t for t in self.tracks if t["slug"] == slug), None)

    def source(self, source_id: str) -> dict | None:
        """Return the source ``source_id`` listed by this version, or None."""
        return next((s for s in self.sources if s["id"] == source_id), None)


@dataclass(frozen=True)
class ModuleInfo:
    """What learner pages show of one module version, its body already parsed."""

    id: int
    module_id: int
    number: int
    position: int
    title: str
    minutes: int
    objectives: tuple[str, ...]
    sources: tuple[str, ...]
    content_note: str | None
    body: RenderedBody
    #: A published (or superseded) version never changes; a draft is edited in place.
    is_published: bool
    #: Body HTML by (lenses, lens labels): the same few combinations come back all day.
    _html: dict = field(default_factory=dict, compare=False, repr=False)

    def html_for(self, lenses: frozenset[str], labels: dict[str, str]):
        """Return the body for a learner with ``lenses`` on (see ``RenderedBody.html_for``)."""
        key = (lenses, tuple(sorted(labels.items())))
        html = self._html.get(key)
        if html is None:
            html = self._html[key] = self.body.html_for(lenses, labels)
        return html


#: One set of maps per database engine: ids are only unique within one database (the test
#: suite makes a fresh one per test).
_kept_by_engine: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SIZES = {"course": 64, "module": 1024, "quiz": 1024}


def _kept(kind: str) -> Kept:
    maps = _kept_by_engine.get(db.engine)
    if maps is None:
        maps = _kept_by_engine[db.engine] = {k: Kept(n) for k, n in _SIZES.items()}
    return maps[kind]


def course_info(version_id: int) -> CourseInfo | None:
    """Return what learner pages show of course version ``version_id`` (cached)."""
    info = _kept("course").get(version_id)
    if info is not None:
        return info
    row = db.session.execute(
        select(
            CourseVersion.number,
            CourseVersion.title,
            CourseVersion.summary,
            CourseVersion.tracks,
            CourseVersion.sources,
            CourseVersion.state,
        ).where(CourseVersion.id == version_id)
    ).first()
    if row is None:
        return None
    info = CourseInfo(version_id, row.number, row.title, row.summary, row.tracks, row.sources)
    if row.state in _KEPT_STATES:
        _kept("course").put(version_id, info)
    return info


def module_infos(version_ids: Iterable[int]) -> dict[int, ModuleInfo]:
    """Return what learner pages show of each module version (cached; one query for misses)."""
    kept = _kept("module")
    found: dict[int, ModuleInfo] = {}
    missing = set()
    for version_id in version_ids:
        info = kept.get(version_id)
        if info is None:
            missing.add(version_id)
        else:
            found[version_id] = info
    if missing:
        rows = db.session.execute(
            select(
                ModuleVersion.id,
                ModuleVersion.module_id,
                ModuleVersion.number,
                ModuleVersion.position,
                ModuleVersion.title,
                ModuleVersion.minutes,
                ModuleVersion.objectives,
                ModuleVersion.sources,
                ModuleVersion.content_note,
                ModuleVersion.body_rendered,
                ModuleVersion.state,
            ).where(ModuleVersion.id.in_(missing))
        ).all()
        for row in rows:
            info = ModuleInfo(
                row.id,
                row.module_id,
                row.number,
                row.position,
                row.title,
                row.minutes,
                tuple(row.objectives),
                tuple(row.sources),
                row.content_note,
                RenderedBody.from_json(row.body_rendered),
                row.state in _KEPT_STATES,
            )
            if info.is_published:
                kept.put(row.id, info)
            found[row.id] = info
    return found


def module_info(version_id: int) -> ModuleInfo | None:
    """Return what learner pages show of module version ``version_id`` (cached)."""
    return module_infos((version_id,)).get(version_id)


def quiz_for(version_id: int) -> CoreQuiz | None:
    """Return the parsed quiz of quiz version ``version_id`` (cached, text read on a miss)."""
    kept = _kept("quiz")
    quiz = kept.get(version_id)
    if quiz is not None:
        return quiz
    row = db.session.execute(
        select(QuizVersion.source_text, QuizVersion.state, Module.slug, Course.slug)
        .join(Module, Module.id == QuizVersion.module_id)
        .join(Course, Course.id == Module.course_id)
        .where(QuizVersion.id == version_id)
    ).first()
    if row is None:
        return None
    text, state, module_slug, course_slug = row
    quiz = _parse_quiz(version_id, text, f"quizzes/{course_slug}/{module_slug}.yml", module_slug)
    if state in _KEPT_STATES:
        kept.put(version_id, quiz)
    return quiz

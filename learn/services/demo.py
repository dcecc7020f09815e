"""Synthetic data for demos and benchmarks: organisations, people, progress and attempts.

Everything comes from one ``random.Random(seed)``, so a seed (and the same ``today``) gives
the same data. Rows are written with bulk INSERTs in blocks of learners, never one ORM
object at a time, so 100,000 learners and a million attempts take minutes, not hours.

The spread is meant to look like a real roll-out: departments assigned a track with a
due date (some already passed, so some people are overdue), people on one to four tracks,
some finished, some part-way, some not started; failed attempts and retries; certificates
issued on completion, the older ones expired, a few revoked.
"""

from __future__ import annotations

import logging
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, insert, select

from learn.core import certificate as certificate_rules
from learn.extensions import db
from learn.models import (
    Assignment,
    Certificate,
    Course,
    Department,
    Enrolment,
    ModuleProgress,
    Organisation,
    QuizAttempt,
    Role,
    TrackCompletion,
    User,
)
from learn.services import catalogue

logger = logging.getLogger(__name__)

#: Learners written per block (each block is one set of bulk INSERTs and a commit).
BLOCK = 2000

ORGANISATION_NAMES = (
    "Ministry of Health",
    "Ministry of Education",
    "Ministry of Defence",
    "Ministry of Justice",
    "Ministry of Labour and Social Affairs",
    "Ministry of Transport and Infrastructure",
    "Ministry of Finance",
    "Ministry of Agriculture",
    "Ministry of the Interior",
    "Ministry of Foreign Affairs",
    "National Procurement Agency",
    "National Health Supplies Agency",
    "Labour Inspectorate",
    "Office of the Prime Minister",
    "Northbridge City Council",
    "Eastvale Regional Government",
    "Port Authority",
    "National Statistics Office",
    "Public Works Agency",
    "Ministry of Environment",
)
DEPARTMENTS = (
    ("Commercial", "procurement"),
    ("Procurement", "procurement"),
    ("Contract management", "contract-managers"),
    ("Estates and facilities", "contract-managers"),
    ("Supply chain", "procurement"),
    ("Finance", "senior-leaders"),
    ("Executive office", "senior-leaders"),
    ("Labour inspection", "labour-inspectors"),
    ("Legal", "senior-leaders"),
    ("Digital and IT", "procurement"),
)
#: (name as shown, ASCII for the email address)
FIRST_NAMES = (
    ("Amina", "amina"), ("Zoë", "zoe"), ("José", "jose"), ("Olena", "olena"),
    ("Nguyễn Thị", "nguyen"), ("Siobhán", "siobhan"), ("Kwame", "kwame"), ("Priya", "priya"),
    ("Mateus", "mateus"), ("Fatima", "fatima"), ("Lars", "lars"), ("Aiko", "aiko"),
    ("Chidi", "chidi"), ("Ana", "ana"), ("Mohammed", "mohammed"), ("Elena", "elena"),
    ("Tomasz", "tomasz"), ("Grace", "grace"), ("Yusuf", "yusuf"), ("Ingrid", "ingrid"),
    ("Олена", "olena"), ("Δημήτρης", "dimitris"), ("محمد", "mohammed"), ("李娜", "li"),
    ("Sipho", "sipho"), ("Camille", "camille"), ("Raúl", "raul"), ("Hannah", "hannah"),
)  # fmt: skip
LAST_NAMES = (
    ("Diallo", "diallo"), ("Okafor", "okafor"), ("García", "garcia"), ("Kovalenko", "kovalenko"),
    ("Smith", "smith"), ("Nakamura", "nakamura"), ("Müller", "muller"), ("Silva", "silva"),
    ("Haddad", "haddad"), ("Ó Briain", "obriain"), ("Mensah", "mensah"), ("Sharma", "sharma"),
    ("Nowak", "nowak"), ("Papadopoulos", "papadopoulos"), ("Andersen", "andersen"),
    ("Dlamini", "dlamini"), ("Rossi", "rossi"), ("Ibrahim", "ibrahim"), ("Wang", "wang"),
    ("Petrović", "petrovic"), ("Kim", "kim"), ("Hernández", "hernandez"), ("Ahmed", "ahmed"),
)  # fmt: skip
GENDERS = (("woman", 46), ("man", 40), ("other", 2), ("unstated", 4), (None, 8))
AGE_BANDS = (
    ("under-25", 8),
    ("25-34", 27),
    ("35-44", 28),
    ("45-54", 20),
    ("55-plus", 9),
    ("unstated", 3),
    (None, 5),
)


class DemoError(Exception):
    """Demo data cannot be made (no course content, or this seed's data is already there)."""


@dataclass(frozen=True)
class DemoSize:
    """How much to make, and from which seed."""

    organisations: int
    learners: int
    attempts: int
    seed: int = 1


@dataclass
class DemoCounts:
    """How many rows were written."""

    organisations: int = 0
    departments: int = 0
    people: int = 0
    assignments: int = 0
    enrolments: int = 0
    module_progress: int = 0
    attempts: int = 0
    completions: int = 0
    certificates: int = 0
    expired_certificates: int = 0
    overdue: int = 0

    def summary(self) -> str:
        """Return the counts as one line."""
        return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in vars(self).items())


@dataclass(frozen=True)
class _Module:
    id: int
    slug: str
    version_id: int
    quiz_version_id: int | None
    pass_mark: int
    question_ids: tuple[str, ...]


@dataclass(frozen=True)
class _Track:
    slug: str
    title: str
    modules: tuple[int, ...]  # indexes into the module list
    validity_months: int | None


@dataclass
class _Plan:
    """One learner's journey, before any row is written."""

    org: int
    dept: int | None
    tracks: list[tuple[int, int | None, date | None]]  # (track index, assignment id, due)
    passes: list[int] = field(default_factory=list)  # module indexes, in the order passed
    open_module: int | None = None
    failures: dict[int, int] = field(default_factory=dict)
    created: datetime | None = None
    start: datetime | None = None

    @property
    def attempts(self) -> int:
        return len(self.passes) + sum(self.failures.values())


def _ascii(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.lower()) if c.isascii() and c.isalnum()
    )


def _weighted(rng: random.Random, options: tuple) -> object:
    return rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(8), tzinfo=UTC) + timedelta(seconds=rng.randrange(10 * 3600))


def _load_course() -> tuple[Course, list[_Module], list[_Track]]:
    courses = catalogue.live_courses()
    if not courses:
        catalogue.import_path(Path(current_app.config["CONTENT_ROOT"]))
        courses = catalogue.live_courses()
    if not courses:
        raise DemoError("no course content: run `learn content import` first")
    course = next((c for c in courses if c.slug == "preventing-trafficking"), courses[0])
    modules_by_slug = catalogue.course_modules(course)
    modules: list[_Module] = []
    index: dict[str, int] = {}
    for slug in sorted(modules_by_slug, key=lambda s: modules_by_slug[s].live_version.position):
        row = modules_by_slug[slug]
        quiz_version = row.live_quiz_version
        question_ids: tuple[str, ...] = ()
        pass_mark = 70
        if quiz_version is not None:
            quiz = catalogue.core_quiz(quiz_version)
            question_ids = tuple(q.id for q in quiz.questions)[:8]
            pass_mark = quiz_version.pass_mark
        index[slug] = len(modules)
        modules.append(
            _Module(
                row.id,
                slug,
                row.live_version_id,
                quiz_version.id if quiz_version else None,
                pass_mark,
                question_ids,
            )
        )
    tracks = [
        _Track(
            t["slug"],
            t["title"],
            tuple(index[m] for m in t["modules"] if m in index),
            t.get("certificate_validity_months"),
        )
        for t in course.live_version.tracks
    ]
    return course, modules, tracks


def build_demo_data(
    size: DemoSize,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoCounts:
    """Fill the database with synthetic organisations, people, progress and attempts.

    :raises DemoError: no course could be imported, or data for this seed exists already.
    """
    today = today or date.today()
    say = progress or (lambda message: None)
    rng = random.Random(size.seed)
    course, modules, tracks = _load_course()
    track_by_slug = {t.slug: i for i, t in enumerate(tracks)}
    domain_tag = f"s{size.seed}"
    if db.session.scalar(
        select(func.count(User.id)).where(User.email.like(f"%.{domain_tag}.example.gov"))
    ):
        raise DemoError(f"demo data for seed {size.seed} is already in this database")
    counts = DemoCounts()

    # Organisations, departments, one admin each, and their assignments.
    orgs, depts = _write_organisations(size, rng, today, counts)
    say(f"{counts.organisations} organisations, {counts.departments} departments")
    org_assignments, dept_assignments = _write_assignments(
        course, orgs, depts, tracks, track_by_slug, rng, today, counts
    )
    admins = [
        {
            "email": f"admin@{org['slug']}.{domain_tag}.example.gov",
            "name": f"{org['name']} administrator",
            "role": Role.ORG_ADMIN,
            "organisation_id": org["id"],
            "department_id": None,
            "session_token": f"{rng.getrandbits(128):032x}",
            "created_at": _at(today - timedelta(days=800), rng),
            "active": True,
        }
        for org in orgs
    ]
    db.session.execute(insert(User), admins)
    counts.people += len(admins)

    # Plan every learner's journey, then fit the attempts to the budget asked for.
    plans = _plan_learners(size, rng, today, orgs, depts, org_assignments, dept_assignments, tracks)
    _fit_attempts(plans, size.attempts, rng)
    say(f"planned {len(plans)} learners, {sum(p.attempts for p in plans)} attempts")

    cert_rng = random.Random(size.seed ^ 0x5EED)
    versions = _completion_versions(modules, tracks)
    for start in range(0, len(plans), BLOCK):
        block = plans[start : start + BLOCK]
        _write_block(
            block,
            start,
            domain_tag,
            rng,
            cert_rng,
            today,
            course,
            modules,
            tracks,
            orgs,
            depts,
            versions,
            counts,
        )
        db.session.commit()
        say(f"wrote {min(start + BLOCK, len(plans))} of {len(plans)} learners")
    # Count the attempts into the quiz report's running totals now, not on the first visit.
    from learn.services.reports import advance_quiz_tallies

    advance_quiz_tallies()
    logger.info("demo data written: %s", counts.summary())
    return counts


def _write_organisations(size: DemoSize, rng: random.Random, today: date, counts: DemoCounts):
    existing = set(db.session.scalars(select(Organisation.name)))
    orgs = []
    for i in range(size.organisations):
        base = ORGANISATION_NAMES[i % len(ORGANISATION_NAMES)]
        name = (
            base
            if i < len(ORGANISATION_NAMES)
            else f"{base}, region {i // len(ORGANISATION_NAMES) + 1}"
        )
        suffix = 2
        candidate = name
        while candidate in existing:
            candidate = f"{name} ({suffix})"
            suffix += 1
        existing.add(candidate)
        orgs.append({"name": candidate, "created_at": _at(today - timedelta(days=900), rng)})
    ids = db.session.scalars(
        insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True), orgs
    ).all()
    for rank, (org, org_id) in enumerate(zip(orgs, ids, strict=True)):
        org["id"] = org_id
        org["slug"] = f"{_ascii(org['name'])[:30]}{org_id}"
        # A few big organisations and a long tail of small ones.
        org["weight"] = 1.0 / (1 + rank) ** 0.7
    rows = []
    for org in orgs:
        chosen = rng.sample(DEPARTMENTS, rng.randint(3, min(8, len(DEPARTMENTS))))
        for name, track in chosen:
            rows.append({"organisation_id": org["id"], "name": name, "_track": track})
    dept_ids = db.session.scalars(
        insert(Department).returning(Department.id, sort_by_parameter_order=True),
        [{"organisation_id": r["organisation_id"], "name": r["name"]} for r in rows],
    ).all()
    depts = []
    for row, dept_id in zip(rows, dept_ids, strict=True):
        depts.append(
            {"id": dept_id, "organisation_id": row["organisation_id"], "track": row["_track"]}
        )
    counts.organisations = len(orgs)
    counts.departments = len(depts)
    return orgs, depts


def _write_assignments(course, orgs, depts, tracks, track_by_slug, rng, today, counts):
    """Assign each organisation one track and most departments their usual one."""

    def due() -> date:
        # About a third are already past, so people who have not finished are overdue.
        if rng.random() < 0.35:
            return today - timedelta(days=rng.randint(1, 120))
        return today + timedelta(days=rng.randint(14, 200))

    org_rows = [
        {
            "course_id": course.id,
            "track_slug": tracks[rng.randrange(len(tracks))].slug,
            "organisation_id": org["id"],
            "due_on": due(),
            "created_at": _at(today - timedelta(days=rng.randint(150, 700)), rng),
        }
        for org in orgs
    ]
    dept_rows = [
        {
            "course_id": course.id,
            "track_slug": dept["track"] if dept["track"] in track_by_slug else tracks[0].slug,
            "department_id": dept["id"],
            "due_on": due(),
            "created_at": _at(today - timedelta(days=rng.randint(150, 700)), rng),
        }
        for dept in depts
        if rng.random() < 0.8
    ]
    org_ids = db.session.scalars(
        insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True), org_rows
    ).all()
    dept_ids = (
        db.session.scalars(
            insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True), dept_rows
        ).all()
        if dept_rows
        else []
    )
    by_org = {
        r["organisation_id"]: (track_by_slug[r["track_slug"]], i, r["due_on"])
        for r, i in zip(org_rows, org_ids, strict=True)
    }
    by_dept = {
        r["department_id"]: (track_by_slug[r["track_slug"]], i, r["due_on"])
        for r, i in zip(dept_rows, dept_ids, strict=True)
    }
    counts.assignments = len(org_rows) + len(dept_rows)
    return by_org, by_dept


def _plan_learners(size, rng, today, orgs, depts, org_assignments, dept_assignments, tracks):
    depts_of: dict[int, list[dict]] = {}
    for dept in depts:
        depts_of.setdefault(dept["organisation_id"], []).append(dept)
    weights = [o["weight"] for o in orgs]
    plans = []
    for _ in range(size.learners):
        org = rng.choices(range(len(orgs)), weights=weights)[0]
        org_id = orgs[org]["id"]
        options = depts_of.get(org_id, [])
        dept = rng.choice(options) if options and rng.random() > 0.05 else None
        chosen: dict[int, tuple[int, int | None, date | None]] = {}
        for given in (
            org_assignments.get(org_id),
            dept_assignments.get(dept["id"]) if dept else None,
        ):
            if given is not None:
                track, assignment_id, due = given
                if track not in chosen or (due and chosen[track][2] and due < chosen[track][2]):
                    chosen[track] = (track, assignment_id, due)
        for track in range(len(tracks)):
            if track not in chosen and rng.random() < 0.85:
                chosen[track] = (track, None, None)
        order = list(chosen.values())
        rng.shuffle(order)
        plan = _Plan(org, dept["id"] if dept else None, order)
        days_ago = rng.randint(3, 720)
        plan.created = _at(today - timedelta(days=days_ago), rng)
        plan.start = plan.created + timedelta(days=rng.randint(0, min(30, days_ago)))
        engaged = rng.random() > 0.15
        passes: list[int] = []
        for track, _, _ in order:
            modules = tracks[track].modules
            roll = rng.random()
            if roll < (0.92 if engaged else 0.25):
                wanted = modules
            elif roll < (0.95 if engaged else 0.6):
                wanted = modules[: rng.randint(1, max(1, len(modules) - 1))]
                following = [m for m in modules if m not in wanted and m not in passes]
                if following and plan.open_module is None and rng.random() < 0.6:
                    plan.open_module = following[0]
                    plan.failures[following[0]] = 1
            else:
                wanted = ()
            passes.extend(m for m in wanted if m not in passes)
        if plan.open_module in passes:
            plan.failures.pop(plan.open_module, None)
            plan.open_module = None
        plan.passes = passes
        plans.append(plan)
    return plans


def _fit_attempts(plans: list[_Plan], budget: int, rng: random.Random) -> None:
    """Make the total number of attempts equal ``budget``: trim progress, or add retries."""
    total = sum(p.attempts for p in plans)
    order = list(range(len(plans)))
    rng.shuffle(order)
    # Keep about a tenth of the budget for failed attempts and retries.
    target = budget - budget // 10
    # Too many: learners stop earlier (their last passes go), round after round.
    while total > target:
        trimmed = False
        for i in order:
            plan = plans[i]
            if total <= target:
                break
            if plan.open_module is not None and plan.failures.get(plan.open_module):
                total -= plan.failures.pop(plan.open_module)
                plan.open_module = None
                trimmed = True
            elif plan.passes:
                module = plan.passes.pop()
                total -= 1 + plan.failures.pop(module, 0)
                trimmed = True
        if not trimmed:
            break
    # Too few: some passes needed more than one try (at most four failures before a pass).
    room = [(i, m) for i in order for m in plans[i].passes]
    while total < budget and room:
        k = rng.randrange(len(room))
        i, module = room[k]
        failures = plans[i].failures
        failures[module] = failures.get(module, 0) + 1
        total += 1
        if failures[module] >= 4:
            room[k] = room[-1]
            room.pop()


def _completion_versions(modules: list[_Module], tracks: list[_Track]) -> list[dict]:
    return [
        {
            modules[m].slug: {"module": 1, "quiz": 1 if modules[m].quiz_version_id else None}
            for m in t.modules
        }
        for t in tracks
    ]


def _write_block(
    block, offset, domain_tag, rng, cert_rng, today, course, modules, tracks, orgs, depts,
    versions, counts,
) -> None:  # fmt: skip
    now = datetime.combine(today, time(7), tzinfo=UTC)
    users = []
    for n, plan in enumerate(block, start=offset + 1):
        first, first_ascii = FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]
        last, last_ascii = LAST_NAMES[rng.randrange(len(LAST_NAMES))]
        org = orgs[plan.org]
        users.append(
            {
                "email": f"{first_ascii}.{last_ascii}.{n}@{org['slug']}.{domain_tag}.example.gov",
                "name": f"{first} {last}",
                "role": Role.LEARNER,
                "organisation_id": org["id"],
                "department_id": plan.dept,
                "session_token": f"{rng.getrandbits(128):032x}",
                "created_at": plan.created,
                "active": rng.random() > 0.02,
                "gender": _weighted(rng, GENDERS),
                "age_band": _weighted(rng, AGE_BANDS),
            }
        )
    user_ids = db.session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True), users
    ).all()
    counts.people += len(users)

    enrolments, progress, attempts, completions, completion_meta = [], [], [], [], []
    for plan, user_id, user in zip(block, user_ids, users, strict=True):
        # Most people finish what they finish within weeks of starting.
        span = max(60.0, min((now - plan.start).total_seconds(), rng.uniform(7, 150) * 86400))
        # When each module was passed: spread over the time since the learner started.
        moments = sorted(rng.random() for _ in plan.passes)
        passed_at = {
            m: plan.start + timedelta(seconds=span * t)
            for m, t in zip(plan.passes, moments, strict=True)
        }
        touched = list(plan.passes) + ([plan.open_module] if plan.open_module is not None else [])
        for module_index in touched:
            module = modules[module_index]
            end = passed_at.get(module_index) or plan.start + timedelta(seconds=span * rng.random())
            tries = plan.failures.get(module_index, 0)
            began = end - timedelta(minutes=20 + 25 * tries + rng.randrange(60))
            best = None
            for number in range(1, tries + 2):
                is_pass = module_index in passed_at and number == tries + 1
                if number == tries + 1 and not is_pass:
                    break
                score = (
                    round(rng.uniform(module.pass_mark, 100), 1)
                    if is_pass
                    else round(rng.uniform(20, module.pass_mark - 1), 1)
                )
                best = score if best is None else max(best, score)
                submitted = began + timedelta(minutes=15 * number + rng.randrange(10))
                if module.quiz_version_id is not None:
                    attempts.append(
                        {
                            "user_id": user_id,
                            "module_id": module.id,
                            "quiz_version_id": module.quiz_version_id,
                            "number": number,
                            "track_slug": None,
                            "question_ids": list(module.question_ids),
                            "option_orders": {},
                            "lenses": [],
                            "started_at": submitted - timedelta(minutes=10),
                            "submitted_at": submitted,
                            "score": score,
                            "passed": is_pass,
                        }
                    )
            progress.append(
                {
                    "user_id": user_id,
                    "module_id": module.id,
                    "module_version_id": module.version_id,
                    "quiz_version_id": module.quiz_version_id,
                    "started_at": began,
                    "read_at": began + timedelta(minutes=10),
                    "best_score": best,
                    "passed_at": passed_at.get(module_index),
                    "completed_at": passed_at.get(module_index),
                }
            )
        passed = set(plan.passes)
        for track_index, assignment_id, due in plan.tracks:
            track = tracks[track_index]
            done = bool(track.modules) and all(m in passed for m in track.modules)
            completed_at = max(passed_at[m] for m in track.modules) if done else None
            opened = [passed_at[m] for m in track.modules if m in passed_at]
            started_at = min(opened) if opened else None
            if not done and due is not None and due < today:
                counts.overdue += 1
            enrolments.append(
                {
                    "user_id": user_id,
                    "organisation_id": user["organisation_id"],
                    "department_id": user["department_id"],
                    "course_id": course.id,
                    "track_slug": track.slug,
                    "origin": "admin" if assignment_id else "self",
                    "assignment_id": assignment_id,
                    "due_on": due,
                    "chosen_at": plan.start,
                    "started_at": started_at,
                    "completed_at": completed_at,
                }
            )
            if done:
                completions.append(
                    {
                        "user_id": user_id,
                        "course_id": course.id,
                        "track_slug": track.slug,
                        "course_version_id": course.live_version_id,
                        "versions": versions[track_index],
                        "completed_at": completed_at,
                    }
                )
                completion_meta.append((user, user_id, track, completed_at))
    for table_rows, model in (
        (enrolments, Enrolment),
        (progress, ModuleProgress),
        (attempts, QuizAttempt),
    ):
        for i in range(0, len(table_rows), 5000):
            db.session.execute(insert(model), table_rows[i : i + 5000])
    counts.enrolments += len(enrolments)
    counts.module_progress += len(progress)
    counts.attempts += len(attempts)
    if not completions:
        return
    completion_ids = db.session.scalars(
        insert(TrackCompletion).returning(TrackCompletion.id, sort_by_parameter_order=True),
        completions,
    ).all()
    counts.completions += len(completions)
    org_names = {o["id"]: o["name"] for o in orgs}
    certificates = []
    title = course.live_version.title
    for completion_id, (user, user_id, track, completed_at) in zip(
        completion_ids, completion_meta, strict=True
    ):
        issued_on = completed_at.date()
        expires_on = certificate_rules.expiry_date(issued_on, track.validity_months)
        revoked = cert_rng.random() < 0.004
        if expires_on is not None and expires_on <= today and not revoked:
            counts.expired_certificates += 1
        certificates.append(
            {
                "code": certificate_rules.new_code(cert_rng.randbytes),
                "completion_id": completion_id,
                "issue_number": 1,
                "user_id": user_id,
                "organisation_id": user["organisation_id"],
                "course_id": course.id,
                "track_slug": track.slug,
                "learner_name": user["name"],
                "track_title": track.title,
                "course_title": title,
                "course_version": course.live_version.number,
                "issuer": org_names[user["organisation_id"]],
                "issued_at": completed_at,
                "issued_on": issued_on,
                "expires_on": expires_on,
                "revoked_at": min(now, completed_at + timedelta(days=3)) if revoked else None,
                "revoked_reason": "Issued in error (demo data)" if revoked else None,
            }
        )
    for i in range(0, len(certificates), 5000):
        db.session.execute(insert(Certificate), certificates[i : i + 5000])
    counts.certificates += len(certificates)

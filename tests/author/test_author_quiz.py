"""The quiz editor: every question type, branching steps, reordering, deleting, and checks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learn.content.loader import parse_quiz_text
from learn.extensions import db
from learn.models import Module, VersionState
from learn.services import authoring

QUIZ = "/author/courses/demo/modules/intro/quiz"


def quiz_item(course, slug="intro"):
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    return authoring.Item("quiz", course, module)


def draft_quiz(course, slug="intro"):
    draft = authoring.open_draft(quiz_item(course, slug))
    assert draft is not None
    return parse_quiz_text(draft.source_text, f"quizzes/demo/{slug}.yml", None)


def post_data(question: dict) -> dict:
    """Flatten a question (YAML keys) into the editor's form fields."""
    data: dict = {
        "type": question["type"],
        "id": question.get("id", ""),
        "stem": question.get("stem", ""),
        "points": str(question.get("points", 1)),
        "explanation": question.get("explanation", ""),
        "sources": question.get("sources", ["icat-2021"]),
        "start": question.get("start", ""),
        "action": question.get("action", "save"),
    }
    for flag in ("scenario", "possible_victim"):
        if question.get(flag):
            data[flag] = "y"
    if question.get("lenses"):
        data["lenses"] = question["lenses"]
    if question.get("tracks"):
        data["tracks"] = question["tracks"]
    for i, option in enumerate(question.get("options", [])):
        for key in ("id", "text", "feedback"):
            if key in option:
                data[f"options-{i}-{key}"] = option[key]
        if option.get("correct"):
            data[f"options-{i}-correct"] = "y"
    for s, step in enumerate(question.get("steps", [])):
        data[f"steps-{s}-id"] = step["id"]
        data[f"steps-{s}-prompt"] = step["prompt"]
        for c, choice in enumerate(step["choices"]):
            for key in ("id", "text", "feedback", "next"):
                data[f"steps-{s}-choices-{c}-{key}"] = choice[key]
    for o, outcome in enumerate(question.get("outcomes", [])):
        for key in ("id", "text", "score"):
            data[f"outcomes-{o}-{key}"] = str(outcome[key])
    return data


SINGLE = {
    "type": "single",
    "id": "first-step",
    "stem": "What is the **first** step when a tender covers garments?",
    "options": [
        {"id": "a", "text": "Map the supply chain.", "correct": True, "feedback": "Right."},
        {"id": "b", "text": "Sign and forget.", "feedback": "No: a signature proves little."},
    ],
    "explanation": "Mapping comes first (ICAT 2021).",
}
MULTIPLE = {
    "type": "multiple",
    "id": "which-flags",
    "stem": "Which are red flags? Select all that apply.",
    "options": [
        {"id": "fees", "text": "Recruitment fees", "correct": True, "feedback": "Yes."},
        {"id": "passports", "text": "Passports held", "correct": True, "feedback": "Yes."},
        {"id": "canteen", "text": "A canteen", "feedback": "Not a red flag."},
    ],
    "explanation": "Fees and held passports are ILO indicators.",
    "sources": ["ilo-indicators"],
    "points": 2,
}
TRUE_FALSE = {
    "type": "true_false",
    "id": "audits-prove",
    "stem": "An audit proves there is no forced labour.",
    "options": [
        {"id": "true", "feedback": "No."},
        {"id": "false", "correct": True, "feedback": "Right."},
    ],
    "explanation": "Audits can be staged.",
}
ORDERING = {
    "type": "ordering",
    "id": "steps-order",
    "stem": "Put these in order.",
    "options": [
        {"id": "plan", "text": "Plan", "feedback": "First."},
        {"id": "tender", "text": "Tender", "feedback": "Second."},
        {"id": "manage", "text": "Manage", "feedback": "Third."},
    ],
    "explanation": "Plan, tender, manage.",
}
BRANCHING = {
    "type": "branching",
    "id": "site-visit",
    "scenario": True,
    "possible_victim": True,
    "stem": "You visit a supplier.",
    "start": "arrive",
    "steps": [
        {
            "id": "arrive",
            "prompt": "What do you do first?",
            "choices": [
                {"id": "a", "text": "Talk to workers alone.", "feedback": "Good.", "next": "talk"},
                {"id": "b", "text": "Take the tour.", "feedback": "Limited.", "next": "tour"},
            ],
        },
        {
            "id": "talk",
            "prompt": "A worker says her passport was taken.",
            "choices": [
                {"id": "a", "text": "Confront the manager.", "feedback": "Risky.", "next": "bad"},
                {
                    "id": "b",
                    "text": "Report it safely.",
                    "feedback": "Right. [Get help or report a concern](/help)",
                    "next": "good",
                },
            ],
        },
    ],
    "outcomes": [
        {"id": "tour", "text": "You learnt nothing.", "score": 0.25},
        {"id": "bad", "text": "The worker was punished.", "score": 0},
        {"id": "good", "text": "The case was referred safely.", "score": 1},
    ],
    "explanation": "Safety first, then report.",
}


@pytest.mark.parametrize("question", [SINGLE, MULTIPLE, TRUE_FALSE, ORDERING, BRANCHING])
def test_add_a_question_of_every_type(client, auth, trainer, demo_course, question):
    auth.login(trainer)
    url = f"{QUIZ}/questions/new?type={question['type']}"
    assert client.get(url).status_code == 200
    response = client.post(url, data=post_data(question))
    assert response.status_code == 302, response.get_data(as_text=True)
    quiz = draft_quiz(demo_course)
    added = quiz.questions[-1]
    assert added.id == question["id"] and added.type == question["type"]
    if question["type"] == "branching":
        assert [s.id for s in added.steps] == ["arrive", "talk"]
        assert added.step("talk").choice("b").next == "good"
        assert [o.score for o in added.outcomes] == [0.25, 0.0, 1.0]
        assert added.possible_victim and added.scenario
    elif question["type"] == "ordering":
        assert added.correct_order == ("plan", "tender", "manage")
    else:
        expected = {o["id"] for o in question["options"] if o.get("correct")}
        assert added.correct_ids == expected
        assert [o.feedback for o in added.options] == [o["feedback"] for o in question["options"]]
    assert added.explanation == question["explanation"]
    # The live quiz is untouched until review.
    assert "the first" not in quiz_item(demo_course).module.live_quiz_version.source_text


def test_edit_a_branching_question_keeps_every_part(client, auth, trainer, demo_course):
    auth.login(trainer)
    url = "/author/courses/demo/modules/responding/quiz/questions/the-visit"
    html = client.get(url).get_data(as_text=True)
    assert 'value="arrive"' in html and 'value="good-outcome"' in html
    assert 'list="targets"' in html
    quiz = quiz_item(demo_course, "responding").module.live_quiz_version
    live = parse_quiz_text(quiz.source_text, "quizzes/demo/responding.yml", None)
    question = live.question("the-visit")
    data = {
        "type": "branching",
        "id": "the-visit",
        "scenario": True,
        "possible_victim": True,
        "stem": "You visit a supplier's factory; a worker looks frightened.",
        "start": question.start,
        "steps": [
            {
                "id": s.id,
                "prompt": s.prompt,
                "choices": [
                    {"id": c.id, "text": c.text, "feedback": c.feedback, "next": c.next}
                    for c in s.choices
                ],
            }
            for s in question.steps
        ],
        "outcomes": [{"id": o.id, "text": o.text, "score": o.score} for o in question.outcomes],
        "explanation": question.explanation,
    }
    response = client.post(url, data=post_data(data))
    assert response.status_code == 302, response.get_data(as_text=True)
    edited = draft_quiz(demo_course, "responding").question("the-visit")
    assert edited.stem == "You visit a supplier's factory; a worker looks frightened."
    assert edited.steps == question.steps and edited.outcomes == question.outcomes


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        # a choice leading nowhere: beside that choice's "Leads to"
        (
            lambda q: q["steps"][1]["choices"][0].update(next="nowhere"),
            "steps-1-choices-0-next",
            "leads to &#39;nowhere&#39;, which is no step or outcome",
        ),
        # a loop: every path must end
        (
            lambda q: q["steps"][1]["choices"][0].update(next="arrive"),
            "steps-1-choices-0-next",
            "leads back to step &#39;arrive&#39;, making a loop",
        ),
        # no outcome scores 1
        (
            lambda q: q["outcomes"][2].update(score=0.9),
            "outcomes-0-id",
            "no outcome of question &#39;site-visit&#39; scores 1",
        ),
        # an empty feedback
        (
            lambda q: q["steps"][0]["choices"][1].update(feedback=""),
            "steps-0-choices-1-feedback",
            "&#39;feedback&#39; in a choice of step &#39;arrive&#39;",
        ),
        # an unreachable step
        (
            lambda q: q["steps"][0]["choices"][0].update(next="good"),
            "steps-1-id",
            "step &#39;talk&#39; of question &#39;site-visit&#39; cannot be reached",
        ),
    ],
)
def test_branching_checks_show_beside_the_field(
    client, auth, trainer, demo_course, change, field, fragment
):
    import copy

    auth.login(trainer)
    question = copy.deepcopy(BRANCHING)
    change(question)
    response = client.post(f"{QUIZ}/questions/new?type=branching", data=post_data(question))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert fragment in html
    if field != "outcomes-0-id":
        block = html.split(f'id="{field}"')[0].rsplit('<div class="field', 1)[1]
        assert fragment in block, block
    assert authoring.open_draft(quiz_item(demo_course)) is None


def test_single_question_errors_beside_fields(client, auth, trainer, demo_course):
    auth.login(trainer)
    question = {**SINGLE, "id": "why-demand"}  # already used in this quiz
    question["options"] = [
        {"id": "a", "text": "One", "feedback": "x", "correct": True},
        {"id": "b", "text": "Two", "feedback": "y", "correct": True},
    ]
    response = client.post(f"{QUIZ}/questions/new?type=single", data=post_data(question))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "duplicate question id &#39;why-demand&#39;" in html
    block = html.split('id="options-1-correct"')[0].rsplit('<div class="field', 1)[1]
    assert "has 2 correct options, expected exactly one" in block


def test_possible_victim_without_help_link_is_a_warning(client, auth, trainer, demo_course):
    import copy

    auth.login(trainer)
    question = copy.deepcopy(BRANCHING)
    question["steps"][1]["choices"][1]["feedback"] = "Right."
    response = client.post(f"{QUIZ}/questions/new?type=branching", data=post_data(question))
    assert response.status_code == 302  # a warning does not stop saving
    html = client.get(QUIZ).get_data(as_text=True)
    assert "is about a possible victim but never links to the help page" in html


def test_row_buttons_add_remove_and_move_without_javascript(client, auth, trainer, demo_course):
    auth.login(trainer)
    url = f"{QUIZ}/questions/new?type=ordering"
    data = post_data({**ORDERING, "action": "add-option"})
    html = client.post(url, data=data).get_data(as_text=True)
    assert 'name="options-3-id"' in html
    data = post_data({**ORDERING, "action": "down-option-0"})
    html = client.post(url, data=data).get_data(as_text=True)
    assert html.index('value="tender"') < html.index('value="plan"')
    data = post_data({**ORDERING, "action": "remove-option-1"})
    html = client.post(url, data=data).get_data(as_text=True)
    assert 'value="tender"' not in html and 'name="options-2-id"' not in html

    url = f"{QUIZ}/questions/new?type=branching"
    html = client.post(url, data=post_data({**BRANCHING, "action": "add-step"})).get_data(
        as_text=True
    )
    assert 'name="steps-2-id"' in html and 'name="steps-2-choices-1-id"' in html
    html = client.post(url, data=post_data({**BRANCHING, "action": "add-choice-0"})).get_data(
        as_text=True
    )
    assert 'name="steps-0-choices-2-id"' in html
    html = client.post(url, data=post_data({**BRANCHING, "action": "remove-choice-1-0"})).get_data(
        as_text=True
    )
    assert "Confront the manager." not in html and "Report it safely." in html
    html = client.post(url, data=post_data({**BRANCHING, "action": "add-outcome"})).get_data(
        as_text=True
    )
    assert 'name="outcomes-3-id"' in html
    assert authoring.open_draft(quiz_item(demo_course)) is None


def test_reorder_and_delete_questions(client, auth, trainer, demo_course):
    auth.login(trainer)
    live = quiz_item(demo_course).module.live_quiz_version
    order = [
        q.id for q in parse_quiz_text(live.source_text, "quizzes/demo/intro.yml", None).questions
    ]
    response = client.post(f"{QUIZ}/questions/{order[0]}/move", data={"direction": "down"})
    assert response.status_code == 302
    assert [q.id for q in draft_quiz(demo_course).questions] == [order[1], order[0], *order[2:]]
    client.post(f"{QUIZ}/questions/{order[2]}/move", data={"direction": "up"})
    assert [q.id for q in draft_quiz(demo_course).questions] == [order[1], order[2], order[0]]
    assert client.post(f"{QUIZ}/questions/{order[1]}/delete").status_code == 302
    assert [q.id for q in draft_quiz(demo_course).questions] == [order[2], order[0]]
    assert client.post(f"{QUIZ}/questions/nope/delete").status_code == 404


def test_the_last_question_cannot_be_deleted(client, auth, trainer, demo_course):
    auth.login(trainer)
    url = "/author/courses/demo/modules/responding/quiz"
    client.post(f"{url}/questions/who-to-call/delete")
    response = client.post(f"{url}/questions/the-visit/delete", follow_redirects=True)
    assert "has 0 questions, expected at least 1" in response.get_data(as_text=True)
    assert [q.id for q in draft_quiz(demo_course, "responding").questions] == ["the-visit"]


def test_quiz_settings(client, auth, trainer, demo_course):
    auth.login(trainer)
    response = client.post(QUIZ, data={"pass_mark": "80", "draw": "2", "max_attempts": "3"})
    assert response.status_code == 302
    quiz = draft_quiz(demo_course)
    assert (quiz.pass_mark, quiz.draw, quiz.max_attempts) == (80, 2, 3)
    response = client.post(QUIZ, data={"pass_mark": "150"})
    assert response.status_code == 422


def test_question_with_the_quiz_published_reaches_learners(
    client, steps, trainer, reviewer, make_user, demo_course
):
    steps.as_(trainer)
    client.post(f"{QUIZ}/questions/new?type=single", data=post_data(SINGLE))
    steps.submit("courses/demo/modules/intro/quiz")
    steps.as_(reviewer)
    assert steps.approve("courses/demo/modules/intro/quiz").status_code == 302
    db.session.expire_all()
    version = quiz_item(demo_course).module.live_quiz_version
    assert version.state == VersionState.PUBLISHED and version.question_count == 4
    learner = make_user()
    steps.as_(learner)
    client.post("/courses/demo/modules/intro/read")
    client.post("/courses/demo/modules/intro/quiz/start")
    from learn.models import QuizAttempt

    attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.user_id == learner.id))
    assert "first-step" in attempt.question_ids and attempt.quiz_version_id == version.id

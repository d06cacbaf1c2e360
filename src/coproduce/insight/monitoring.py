"""Voluntary equality monitoring: the questions, their answers, and the only view anyone
has of them, a summary of many people in which every group under SMALL_GROUP is hidden.

Each person answers (or not) with their consent, changes or deletes their answers when
they like, and nobody, coordinators included, sees one person's answers. Ethnicity is
asked in the 19 categories of the 2021 census (England and Wales) and summarised in its
five high-level groups, so that small groups are not shown.

`summary(person_ids)` gives {"answered": N, "questions": {question: [{"answer": words,
"people": n}, ...]}}: per question, answers held by fewer than SMALL_GROUP people are put
together as "Other answers together", which is itself left out when under SMALL_GROUP.
When fewer than SMALL_GROUP people answered at all, "answered" is None and nothing is
shown. A question left blank is not counted for that question.
"""

from collections import Counter

SMALL_GROUP = 5
OTHERS = "Other answers together"
PREFER_NOT = ("prefer_not", "Prefer not to say")

AGE_BANDS = [
    ("16-24", "16 to 24"),
    ("25-34", "25 to 34"),
    ("35-44", "35 to 44"),
    ("45-54", "45 to 54"),
    ("55-64", "55 to 64"),
    ("65-74", "65 to 74"),
    ("75+", "75 or over"),
    PREFER_NOT,
]
YES_NO = [("yes", "Yes"), ("no", "No"), PREFER_NOT]

# The 2021 census's ethnic groups: (group, [(key, category)]), 19 categories in all.
ETHNIC_GROUPS = [
    (
        "Asian, Asian British or Asian Welsh",
        [
            ("asian_bangladeshi", "Bangladeshi"),
            ("asian_chinese", "Chinese"),
            ("asian_indian", "Indian"),
            ("asian_pakistani", "Pakistani"),
            ("asian_other", "Any other Asian background"),
        ],
    ),
    (
        "Black, Black British, Black Welsh, Caribbean or African",
        [
            ("black_african", "African"),
            ("black_caribbean", "Caribbean"),
            ("black_other", "Any other Black, Black British or Caribbean background"),
        ],
    ),
    (
        "Mixed or Multiple ethnic groups",
        [
            ("mixed_white_asian", "White and Asian"),
            ("mixed_white_black_african", "White and Black African"),
            ("mixed_white_black_caribbean", "White and Black Caribbean"),
            ("mixed_other", "Any other Mixed or Multiple ethnic background"),
        ],
    ),
    (
        "White",
        [
            ("white_british", "English, Welsh, Scottish, Northern Irish or British"),
            ("white_irish", "Irish"),
            ("white_gypsy_traveller", "Gypsy or Irish Traveller"),
            ("white_roma", "Roma"),
            ("white_other", "Any other White background"),
        ],
    ),
    (
        "Other ethnic group",
        [("other_arab", "Arab"), ("other_any", "Any other ethnic group")],
    ),
]
ETHNICITY_GROUP = {key: group for group, rows in ETHNIC_GROUPS for key, _ in rows}
ETHNICITY_GROUP[PREFER_NOT[0]] = PREFER_NOT[1]

# question key -> (the question, {answer key: words shown in a summary})
QUESTIONS = {
    "age_band": ("How old are you?", dict(AGE_BANDS)),
    "disability": (
        "Do you consider yourself to have a disability or a long-term health condition?",
        dict(YES_NO),
    ),
    "ethnicity": ("What is your ethnic group?", ETHNICITY_GROUP),
    "carer": (
        "Do you look after, or give help or support to, anyone because of their long-term "
        "illness, disability or old age?",
        dict(YES_NO),
    ),
}


# The words of each answer as the person chose it (ethnicity: the census category, not
# its group), for their own download.
_CATEGORY = {key: words for _group, rows in ETHNIC_GROUPS for key, words in rows}
_CATEGORY[PREFER_NOT[0]] = PREFER_NOT[1]


def answer_words(question: str, answer: str) -> str:
    """The words of one answer ("65-74" -> "65 to 74"); "" for no answer."""
    if not answer:
        return ""
    words = _CATEGORY if question == "ethnicity" else QUESTIONS[question][1]
    return words.get(answer, answer)


def valid(question: str, answer: str) -> bool:
    """Whether `answer` is one of the question's answers ("" is no answer)."""
    return answer == "" or answer in QUESTIONS[question][1]


def summarise(rows: list[dict]) -> dict:
    """The summary of `rows` (each {question: answer key}); see the module's docstring."""
    answered = len(rows)
    if answered < SMALL_GROUP:
        return {"answered": None, "questions": {}}
    questions = {}
    for question, (_, words) in QUESTIONS.items():
        counts = Counter(words[row[question]] for row in rows if row.get(question) in words)
        order = list(dict.fromkeys(words.values()))
        shown = [
            {"answer": answer, "people": counts[answer]}
            for answer in order
            if counts[answer] >= SMALL_GROUP
        ]
        others = sum(n for answer, n in counts.items() if n < SMALL_GROUP)
        if others >= SMALL_GROUP:
            shown.append({"answer": OTHERS, "people": others})
        questions[question] = shown
    return {"answered": answered, "questions": questions}


def summary(person_ids) -> dict:
    """The summary of what these people answered (those who did not answer are left
    out)."""
    from .models import EqualityAnswers

    # A queryset stays a subquery: a hub of 10,000 members is not 10,000 parameters.
    ids = person_ids if hasattr(person_ids, "query") else list(person_ids)
    rows = list(EqualityAnswers.objects.filter(person_id__in=ids).values(*QUESTIONS))
    return summarise(rows)

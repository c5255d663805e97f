"""Search text for the catalogue: folding Vietnamese, the plain words people type, scoring.

People type Vietnamese without diacritics ("dang ky khai sinh"), mix i and y ("dang ki"), confuse
s and x ("khai xinh"), use everyday words ("bang lai" for "giay phep lai xe") or English. Every
text is *folded* the same way before it is stored (``Procedure.search_text``/``search_name``) or
compared: lower case, no diacritics (đ -> d too), only letters and digits, and a syllable-final
"y" after a consonant written "i" (ky/ki, ly/li, my/mi are the same syllable).

Two rankers share this module:

* :func:`python_rank`, used on SQLite: a per-word fuzzy match with rapidfuzz weighted by how rare
  the word is in the catalogue (so "khai sinh" counts more than "dang ky"), plus a bonus for
  consecutive words found in the procedure's name;
* :func:`postgres_rank`, used on PostgreSQL: full text (``simple`` configuration on the folded
  column, an OR of the words, ``ts_rank_cd``) plus pg_trgm word similarity against the folded
  name and text, combined in SQL.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
)
from rapidfuzz import fuzz, process

_NON_WORD = re.compile(r"[^0-9a-z]+")
_FINAL_Y = re.compile(r"(?<=[bcdghklmnpqrstvx])y\b")

#: Everyday words and their official wording (folded). The expansion is added to the query,
#: never replaces it.
SYNONYMS: dict[str, str] = {
    "bang lai": "giay phep lai xe driving licence",
    "giay phep lai": "giay phep lai xe",
    "driving license": "driving licence",
    "driver license": "driving licence",
    "ho khau": "thuong tru cu tru",
    "nhap khau": "dang ki thuong tru",
    "cmnd": "can cuoc cong dan",
    "cccd": "can cuoc cong dan",
    "chung minh nhan dan": "can cuoc",
    "id card": "identity card can cuoc",
    "so do": "giay chung nhan quyen su dung dat",
    "so hong": "giay chung nhan quyen su dung dat nha o",
    "cong ti": "doanh nghiep",
    "compani": "enterprise doanh nghiep",
    "firm": "enterprise doanh nghiep",
    "mo": "thanh lap",
    "open": "thanh lap establish",
    "set up": "thanh lap establish",
    "start": "thanh lap establish",
    "lap": "thanh lap",
    "cuoi": "ket hon",
    "lay vo": "ket hon",
    "lay chong": "ket hon",
    "marri": "marriage ket hon",
    "wedding": "marriage ket hon",
    "de con": "khai sinh",
    "sinh con": "khai sinh",
    "giay khai sinh": "khai sinh",
    "birth certificate": "birth registration khai sinh",
    "newborn": "birth khai sinh",
    "baby": "birth khai sinh",
    "qua doi": "khai tu",
    "chet": "khai tu",
    "death certificate": "death registration khai tu",
    "police record": "criminal record li lich tu phap",
    "criminal record": "li lich tu phap",
    "lam lai": "cap lai",
    "doi": "cap doi",
    "renew": "renewal cap doi",
    "moving": "residence cu tru",
    "chuyen nha": "dang ki thuong tru cu tru",
    "tam vang": "khai bao tam vang",
    "so dien": "dien",
    "cong to dien": "cap dien",
    "dien moi": "cap dien moi",
    "that nghiep": "tro cap that nghiep",
    "unemployment": "unemployment benefit tro cap that nghiep",
    "ho chieu": "ho chieu pho thong",
    "passport": "ho chieu",
    "con dau": "mau dau",
    "seal": "mau dau",
    "xe may": "mo to xe gan may",
    "motorbike": "motorcycle mo to xe gan may",
    "bien so": "dang ki xe bien so",
    "phat nguoi": "xu phat vi pham giao thong",
    "traffic fine": "xu phat vi pham giao thong",
}

#: Words that say nothing about which procedure (folded).
STOPWORDS: frozenset[str] = frozenset(
    {
        # Vietnamese
        "lam", "xin", "cho", "toi", "muon", "can", "o", "cua", "va", "nao", "nhu", "the",
        "thu", "tuc", "ho", "so", "de", "duoc", "minh", "em", "anh", "chi", "tai",
        "khi", "nhung", "gi", "voi", "bi", "phai", "cai",
        # English
        "how", "to", "i", "my", "a", "an", "for", "do", "get", "apply", "of", "me",
        "in", "on", "and", "or", "want", "need", "new", "please",
    }
)  # fmt: skip
#: Stop words that still matter inside a phrase ("ho kinh doanh", "ho chieu", "so do").
_PHRASE_WORDS = frozenset({"ho", "so", "the", "can"})


def fold(text: str) -> str:
    """Lower case, no diacritics, only letters and digits: "Đăng ký khai sinh" -> "dang ki khai sinh"."""
    text = (text or "").replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()
    words = _NON_WORD.sub(" ", bare).split()
    return " ".join(_FINAL_Y.sub("i", word) for word in words)


def fold_join(parts: Iterable[str]) -> str:
    return " ".join(folded for folded in (fold(part) for part in parts) if folded)


@dataclass(frozen=True)
class Query:
    """A folded query: the words the person typed (minus stop words) and the expansions."""

    text: str
    words: tuple[str, ...]
    expansions: tuple[str, ...]

    @property
    def all_words(self) -> tuple[str, ...]:
        return self.words + tuple(w for w in self.expansions if w not in self.words)

    @property
    def phrase(self) -> str:
        return " ".join(self.all_words)

    def __bool__(self) -> bool:
        return bool(self.words or self.expansions)


def parse_query(raw: str) -> Query:
    text = fold(raw)
    padded = f" {text} "
    expansions: list[str] = []
    for phrase, expansion in SYNONYMS.items():
        if f" {phrase} " in padded:
            expansions.extend(expansion.split())
    tokens = text.split()
    words = []
    for index, word in enumerate(tokens):
        if word in STOPWORDS:
            # "ho kinh doanh", "ho chieu", "the can cuoc": kept next to a real word
            neighbour = tokens[index + 1] if index + 1 < len(tokens) else ""
            if not (word in _PHRASE_WORDS and neighbour and neighbour not in STOPWORDS):
                continue
        if word not in words:
            words.append(word)
    if not words and tokens:
        # only stop words: search for what was typed anyway
        words = list(dict.fromkeys(tokens))
    return Query(text=text, words=tuple(words), expansions=tuple(dict.fromkeys(expansions)))


# --- Python ranking (SQLite) -------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    pk: int
    name: str  # folded name, English name and keywords
    text: str  # folded everything


def _word_similarity(word: str, vocabulary: Sequence[str]) -> dict[str, float]:
    """How close each vocabulary word is to `word` (1 = same; typos score less; 0 omitted).

    Typos are only looked for in words of 4 letters or more: a short Vietnamese syllable one
    letter away from another is a different word ("hon"/"ho", "con"/"cho")."""
    scores: dict[str, float] = {}
    if len(word) >= 4:
        for candidate, score, _ in process.extract(
            word, vocabulary, scorer=fuzz.ratio, score_cutoff=70, limit=None
        ):
            if len(candidate) >= 3:
                scores[candidate] = 0.85 * score / 100
        for candidate in vocabulary:
            if candidate.startswith(word) and candidate != word:
                scores[candidate] = max(scores.get(candidate, 0.0), 0.9)
    scores[word] = 1.0
    return scores


def python_rank(query: Query, documents: Sequence[Document]) -> list[tuple[int, float]]:
    """The documents that match, best first, with a score between 0 and 1."""
    if not query or not documents:
        return []
    tokenised = [(doc, doc.name.split(), doc.text.split()) for doc in documents]
    document_frequency: Counter[str] = Counter()
    for _, _, text_words in tokenised:
        document_frequency.update(set(text_words))
    vocabulary = list(document_frequency)
    total = len(documents)

    def idf(word: str) -> float:
        return math.log(1 + total / (1 + document_frequency.get(word, 0)))

    typed = [(w, _word_similarity(w, vocabulary), 1.0) for w in query.words]
    extra = [
        (w, {w: 1.0}, 0.5) for w in query.expansions if w not in query.words and w not in STOPWORDS
    ]
    terms = typed + extra
    weights = []
    for word, similar, importance in terms:
        # a typo is as rare as the word it stands for
        best = max(similar, key=lambda w: (similar[w], document_frequency.get(w, 0)))
        weights.append(importance * idf(best if document_frequency.get(best) else word))
    total_weight = sum(weights) or 1.0
    typed_phrase = " ".join(query.words)

    ranked = []
    for doc, name_words, text_words in tokenised:
        name_set, text_set = set(name_words), set(text_words)
        name_score = text_score = 0.0
        matched_typed = 0
        for (_word, similar, importance), weight in zip(terms, weights, strict=True):
            in_name = max((s for w, s in similar.items() if w in name_set), default=0.0)
            in_text = max((s for w, s in similar.items() if w in text_set), default=0.0)
            name_score += weight * in_name
            text_score += weight * in_text
            if importance == 1.0 and in_text:
                matched_typed += 1
        if not text_score:
            continue
        name_score /= total_weight
        text_score /= total_weight
        phrase = fuzz.partial_ratio(typed_phrase, doc.name) / 100 if typed_phrase else 0.0
        coverage = matched_typed / len(typed) if typed else 0.0
        score = 0.45 * name_score + 0.25 * text_score + 0.15 * phrase + 0.15 * coverage
        if score >= 0.25 and coverage >= 0.5:
            ranked.append((doc.pk, score))
    ranked.sort(key=lambda item: (-item[1], item[0]))
    return ranked


# --- PostgreSQL ranking --------------------------------------------------------------------


def postgres_rank(queryset: QuerySet[Any], query: Query) -> QuerySet[Any]:
    """`queryset` narrowed to the procedures that match, annotated with `search_score`.

    A procedure matches when one of the words is in its folded text (full text, ``simple``
    configuration) or the typed words are close to part of its name or text (pg_trgm word
    similarity, which tolerates typos); the score combines both.
    """
    typed = " ".join(query.words) or query.phrase
    tsquery = " | ".join(query.all_words)
    vector = Func(
        F("search_text"),
        function="to_tsvector",
        template="to_tsvector('simple'::regconfig, %(expressions)s)",
    )
    ts_query = Func(
        Value(tsquery),
        function="to_tsquery",
        template="to_tsquery('simple'::regconfig, %(expressions)s)",
    )
    typed_value = Func(Value(typed), function="unaccent")
    return (
        queryset.annotate(
            search_fts=Func(
                vector, ts_query, Value(32), function="ts_rank_cd", output_field=FloatField()
            ),
            search_name_similarity=Func(
                typed_value, F("search_name"), function="word_similarity", output_field=FloatField()
            ),
            search_text_similarity=Func(
                typed_value, F("search_text"), function="word_similarity", output_field=FloatField()
            ),
        )
        .filter(
            Q(_BoolOp(vector, ts_query, op="@@"))
            | Q(_BoolOp(typed_value, F("search_name"), op="<%%"))
            | Q(_BoolOp(typed_value, F("search_text"), op="<%%"))
        )
        .annotate(
            search_score=ExpressionWrapper(
                0.5 * F("search_name_similarity")
                + 0.2 * F("search_text_similarity")
                + 0.3 * Func(F("search_fts") * 4, Value(1.0), function="LEAST"),
                output_field=FloatField(),
            )
        )
        .filter(search_score__gte=0.2)
    )


class _BoolOp(Func):
    """`left <op> right` as a boolean expression (PostgreSQL operators)."""

    output_field = BooleanField()

    def __init__(self, left: Any, right: Any, *, op: str) -> None:
        super().__init__(left, right)
        self.template = "(%(expressions)s)"
        self.arg_joiner = f" {op} "

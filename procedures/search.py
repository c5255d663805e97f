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
    title: str = ""  # folded name alone
    title_en: str = ""  # folded English name alone


def _word_similarity(word: str, vocabulary: Sequence[str], frequency: int) -> dict[str, float]:
    """How close each vocabulary word is to `word` (1 = same; typos score less; 0 omitted).

    Typos are looked for in words of 3 letters or more that at most one procedure uses (a word
    many procedures use is taken as typed), among words of about the same length."""
    scores: dict[str, float] = {}
    if len(word) >= 3 and frequency <= 1:
        for candidate, score, _ in process.extract(
            word, vocabulary, scorer=fuzz.ratio, score_cutoff=65, limit=None
        ):
            if (
                len(candidate) >= 3
                and abs(len(candidate) - len(word)) <= 1
                and candidate not in STOPWORDS
            ):
                scores[candidate] = 0.85 * score / 100
        if len(word) >= 4:
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

    typed = [
        (w, _word_similarity(w, vocabulary, document_frequency.get(w, 0)), 1.0) for w in query.words
    ]
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
    typed_weight = sum(w for (_, _, imp), w in zip(terms, weights, strict=True) if imp == 1.0)
    typed_phrase = " ".join(query.words)

    ranked = []
    for doc, name_words, text_words in tokenised:
        name_set, text_set = set(name_words), set(text_words)
        name_score = text_score = 0.0
        matched_typed = 0.0
        for (_word, similar, importance), weight in zip(terms, weights, strict=True):
            in_name = max((s for w, s in similar.items() if w in name_set), default=0.0)
            in_text = max((s for w, s in similar.items() if w in text_set), default=0.0)
            name_score += weight * in_name
            text_score += weight * in_text
            if importance == 1.0 and in_text:
                matched_typed += weight
        if not text_score:
            continue
        name_score /= total_weight
        text_score /= total_weight
        phrase = fuzz.partial_ratio(typed_phrase, doc.name) / 100 if typed_phrase else 0.0
        # the share of what was typed that the procedure has, rare words counting more
        coverage = matched_typed / typed_weight if typed_weight else 0.0
        title = (
            max(fuzz.ratio(typed_phrase, t) for t in (doc.title, doc.title_en)) / 100
            if typed_phrase
            else 0.0
        )
        score = 0.4 * name_score + 0.2 * text_score + 0.15 * phrase + 0.15 * coverage + 0.1 * title
        if score >= 0.25 and coverage >= 0.5:
            ranked.append((doc.pk, score))
    ranked.sort(key=lambda item: (-item[1], item[0]))
    return ranked


# --- PostgreSQL ranking --------------------------------------------------------------------


#: Typo alternatives kept per word on PostgreSQL (a short syllable has many neighbours).
MAX_ALTERNATIVES = 8

_ALTERNATIVES_SQL = """
SELECT q.w, s.word, similarity(s.word, q.w), s.documents,
       (SELECT count(*) FROM procedures_procedure WHERE is_published)
FROM unnest(%s::text[]) AS q(w)
JOIN procedures_searchword AS s
  ON s.word = q.w
  OR (length(q.w) >= 3
      AND NOT EXISTS (
          SELECT 1 FROM procedures_searchword AS k WHERE k.word = q.w AND k.documents > 1)
      AND length(s.word) BETWEEN length(q.w) - 1 AND length(q.w) + 1
      AND similarity(s.word, q.w) >= 0.2)
"""


def _pg_alternatives(
    words: Sequence[str],
) -> tuple[dict[str, list[tuple[str, float]]], dict[str, int], int]:
    """In one query: each word with the catalogue words it may stand for (itself when the
    catalogue has it; for a word of 3 letters or more that at most one procedure uses, the
    vocabulary words of about the same length close in pg_trgm similarity: typos, best 3),
    how many procedures use each, and how many procedures are published."""
    from django.db import connections, router

    from .models import Procedure

    # the replica for a lag-tolerant page (portal/replica.py); raw SQL bypasses the router
    connection = connections[router.db_for_read(Procedure)]

    with connection.cursor() as cursor:
        cursor.execute(_ALTERNATIVES_SQL, [list(words)])
        rows = cursor.fetchall()
    alternatives: dict[str, list[tuple[str, float]]] = {word: [] for word in words}
    frequency: dict[str, int] = {}
    total = 1
    candidates: dict[str, list[tuple[float, int, str]]] = {word: [] for word in words}
    for word, candidate, sim, documents, published in rows:
        frequency[candidate] = documents
        total = max(total, published)
        if candidate in STOPWORDS and candidate != word:
            continue
        if candidate == word:
            alternatives[word].append((word, 1.0))
        else:
            candidates[word].append((sim, documents, candidate))
    for word, found in candidates.items():
        for sim, _documents, candidate in sorted(found, reverse=True)[:MAX_ALTERNATIVES]:
            # a different length is a less likely typo than a different letter
            penalty = 1.0 if len(candidate) == len(word) else 0.9
            alternatives[word].append((candidate, penalty * 0.85 * min(1.0, 0.5 + sim)))
    return alternatives, frequency, total


def _any_word(column: str, alternatives: Sequence[tuple[str, float]]) -> tuple[str, list[Any]]:
    """SQL: the best weight of the alternatives found as whole words of the folded column."""
    cases = ", ".join(
        f"CASE WHEN strpos(' ' || {column} || ' ', %s) > 0 THEN %s ELSE 0.0 END"
        for _ in alternatives
    )
    params: list[Any] = []
    for word, weight in alternatives:
        params += [f" {word} ", weight]
    return f"GREATEST({cases}, 0.0)", params


#: The name folded in SQL as in Python: unaccent, lower case, syllable-final y -> i.
_FOLDED = "regexp_replace(unaccent(lower({column})), '([bcdghklmnpqrstvx])y\\M', '\\1i', 'g')"

_RANK_SQL = """
WITH matched AS (
    SELECT p.id, p.code,
           ({name_words}) / %s AS name_words,
           ({text_words}) / %s AS text_words,
           ({coverage}) / %s AS coverage,
           word_similarity(%s, p.search_name) AS similarity,
           GREATEST(similarity(%s, {folded_name}), similarity(%s, {folded_name_en})) AS title,
           ts_rank_cd(to_tsvector('simple'::regconfig, p.search_text), q.query, 32) AS fts
    FROM procedures_procedure AS p, to_tsquery('simple'::regconfig, %s) AS q(query)
    WHERE p.is_published
      AND (to_tsvector('simple'::regconfig, p.search_text) @@ q.query OR %s <%% p.search_name)
), scored AS (
    SELECT id, code, coverage,
           0.35 * name_words + 0.15 * text_words + 0.15 * similarity + 0.15 * coverage
           + 0.15 * title + 0.05 * LEAST(fts * 4, 1.0) AS score
    FROM matched
)
SELECT id FROM scored WHERE score >= 0.25 AND coverage >= 0.5
ORDER BY score DESC, code LIMIT %s
"""


def postgres_rank(query: Query, *, limit: int = 200) -> list[int]:
    """Ids of the published procedures that match, best first, ranked in one SQL query.

    Matching: full text (``simple`` configuration over the folded column, an OR of the words
    and their typo corrections, served by a GIN index) or pg_trgm word similarity of the typed
    words with the name (``<%``, trigram index). Ranking combines: the words found in the name
    and in the text weighted by rarity (IDF from the vocabulary table), the trigram word
    similarity of the typed words with the name, the trigram similarity with the name alone
    (folded with unaccent) and ``ts_rank_cd``.
    """
    from django.db import connections, router

    from .models import Procedure

    # the replica for a lag-tolerant page (portal/replica.py); raw SQL bypasses the router
    connection = connections[router.db_for_read(Procedure)]

    typed = " ".join(query.words) or query.phrase
    alternatives, frequency, total = _pg_alternatives(list(query.all_words))

    def idf(word: str) -> float:
        return math.log(1 + total / (1 + frequency.get(word, 0)))

    name_sql, text_sql, covered_sql = [], [], []
    name_params: list[Any] = []
    text_params: list[Any] = []
    covered_params: list[Any] = []
    weights = typed_weight = 0.0
    for word in query.all_words:
        alts = alternatives.get(word) or []
        importance = 1.0 if word in query.words else 0.5
        if not alts:
            weights += importance * idf(word)
            typed_weight += idf(word) if importance == 1.0 else 0.0
            continue
        weight = importance * idf(max(alts, key=lambda a: (a[1], frequency.get(a[0], 0)))[0])
        weights += weight
        sql, params = _any_word("p.search_name", alts)
        name_sql.append(f"%s * {sql}")
        name_params += [weight, *params]
        sql, params = _any_word("p.search_text", alts)
        text_sql.append(f"%s * {sql}")
        text_params += [weight, *params]
        if importance == 1.0:
            typed_weight += weight
            sql, params = _any_word("p.search_text", [(w, 1.0) for w, _ in alts])
            covered_sql.append(f"%s * {sql}")
            covered_params += [weight, *params]
    all_words = sorted(
        {w for alts in alternatives.values() for w, _ in alts} | set(query.all_words)
    )
    sql = _RANK_SQL.format(
        name_words=" + ".join(name_sql) or "0.0",
        text_words=" + ".join(text_sql) or "0.0",
        coverage=" + ".join(covered_sql) or "0.0",
        folded_name=_FOLDED.format(column="p.name"),
        folded_name_en=_FOLDED.format(column="p.name_en"),
    )
    params = [
        *name_params,
        weights or 1.0,
        *text_params,
        weights or 1.0,
        *covered_params,
        typed_weight or 1.0,
        typed,
        typed,
        typed,
        " | ".join(all_words),
        typed,
        limit,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]

"""The concept vocabulary: what a figure measures, one key for English and Chinese (config/concepts.yaml).

Loaded and validated once per path; compiled to one regex per language. ``Concepts.key_of`` reads the
concept of a subject (or of the clause before a number): the first-listed concept found, the modifiers
found with it ('growth', 'share of GDP'), and for topic concepts the technologies named with it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from extract.errors import ConfigError, raise_all
from extract.scan import case_variants, char_class
from extract.taxonomy import Taxonomy, default_taxonomy
from extract.yamlfile import read_yaml

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "config" / "concepts.yaml"
_ID = re.compile(r"^[a-z0-9_]+$")
_KEYS = {"label", "en", "zh", "topic", "modifier"}


@dataclass(frozen=True)
class ConceptSpec:
    id: str
    label: str
    en: tuple[str, ...]
    zh: tuple[str, ...]
    topic: bool = False
    modifier: bool = False


@dataclass(frozen=True)
class Concept:
    """The concept of one figure: ``key`` is stored with its fact ('industry_scale+ai', 'rd_spending+growth')."""

    key: str
    label: str
    main: str  # the concept id without modifiers and topics


@dataclass(frozen=True)
class _Matcher:
    """One vocabulary regex, the concept id of each of its groups, and whether it can match only where the text
    holds a character outside ASCII (every term leads with one: the Chinese terms)."""

    regex: re.Pattern
    ids: list[str]
    needs_non_ascii: bool


def _is_exact(term: str) -> bool:
    """An English term matched in its own case: a short acronym ('AI' is no 'ai')."""
    return (term.isupper() and len(term) <= 4) or term in ("GDP", "CPI", "R&D")


_SPACE = " "  # a space of a term, matched by any run of spaces and hyphens


def _trie(members: list[tuple[str, str]], english: bool) -> tuple[str, list[str]] | None:
    """The terms of one first character after it, as a trie: each node an alternation of the characters that may
    follow, then the end of a term there (a capturing group, with the plural suffix in English), and the ids in
    group order. A regex tries the longer term through a node first, as the longest-first alternation does; two
    branches of a node never take one text, so their order does not matter. None when they could (an acronym in
    its own case beside a word: 'AI' and 'aircraft'; 'year on year' beside 'year-on-year')."""
    root: dict = {}
    members = _without_hyphenated_twins(members) if english else members
    for i, (term, _) in enumerate(members):
        if "  " in term or " -" in term or "- " in term or "--" in term:
            return None
        exact = english and _is_exact(term)
        node = root
        for ch in term[1:]:
            key = _SPACE if ch == " " else ("=", ch) if exact or not english else ch.lower()
            node = node.setdefault(key, {})
        node.setdefault(None, i)  # a term listed twice: the first listed is the one a regex matches
    s, e = char_class(case_variants("s")), char_class(case_variants("e"))
    end = f"((?:{s}|{e}{s})?)" if english else "()"
    order: list[int] = []

    def chars(key) -> set[str]:
        return {"-", " "} if key == _SPACE else {key[1]} if isinstance(key, tuple) else set(case_variants(key))

    def emit(node: dict) -> str | None:
        taken: set[str] = set()
        alts = []
        for key, child in node.items():
            if key is None:
                continue
            mine = set() if key == _SPACE else chars(key)  # a space beside a hyphen is weighed below
            if taken & mine or (_SPACE in node and any(c.isspace() for c in mine)):
                return None
            taken |= mine
            rest = emit(child)
            if rest is None:
                return None
            alts.append((r"[\s-]+" if key == _SPACE else char_class(mine)) + rest)
        if _SPACE in node and "-" in taken and not _apart(node):
            return None
        if None in node:
            alts.append(end)
            order.append(node[None])
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    def _apart(node: dict) -> bool:
        """A hyphen beside a space at ``node`` ('new-car' beside 'new energy'): the two never take one text when
        what follows the hyphen and what follows the space differ in their first character."""
        hyphens = [child for key, child in node.items() if key is not None and key != _SPACE and "-" in chars(key)]
        after_space = set().union(*(chars(k) for k in node[_SPACE] if k is not None))
        after_hyphen = [set().union(*(chars(k) for k in child if k is not None)) for child in hyphens]
        return all(None not in child for child in hyphens) and None not in node[_SPACE] and not any(
            (h & after_space) or "-" in h or " " in h for h in after_hyphen)

    body = emit(root)
    return None if body is None else (body, [members[i][1] for i in order])


def _without_hyphenated_twins(members: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``members`` without a hyphenated term ('new-car sales') listed beside its spaced twin of the same concept
    ('new car sales'), only terms of both spellings between them: the twin's space matches the hyphen, so it
    matches all the hyphenated one does, with the same span."""
    def spaced(term: str) -> str:
        return term.replace("-", " ").lower()

    out = list(members)
    for term, cid in members:
        if "-" not in term or _is_exact(term):
            continue
        i = out.index((term, cid))
        same = [j for j, (t, c) in enumerate(out) if spaced(t) == spaced(term)]
        twins = [j for j in same if j != i and " " in out[j][0] and "-" not in out[j][0] and not _is_exact(out[j][0])]
        if twins and all(out[j][1] == cid for j in same) and same == list(range(same[0], same[-1] + 1)):
            del out[i]
    return out


def _flat(lead: str, members: list[tuple[str, str]], english: bool) -> tuple[str, list[str]]:
    """The terms of one first character after it as a plain alternation, longest first, and their ids."""
    rests = []
    for term, _ in members:
        rest = re.escape(term[1:]).replace(r"\ ", r"[\s-]+")
        if english:
            rest = (f"(?-i:{rest})" if _is_exact(term) else rest) + "(?:s|es)?"
        rests.append(f"({rest})")
    body = "|".join(rests)
    return f"{re.escape(lead)}(?i:{body})" if english else f"{re.escape(lead)}(?:{body})", [cid for _, cid in members]


def _alternation(terms: list[tuple[str, str]], english: bool) -> _Matcher | None:
    """One regex over ``terms`` ((term, id) pairs), a capturing group per term, and the ids in group order.

    It matches as the plain alternation of the terms, longest first (English: case-insensitive but for short
    acronyms, whole words, a plural 's' or 'es'), but written as one branch per first character (for English,
    per case of it: 'a' and 'A'), led by that character as a literal, the rest a trie of what may follow: the
    engine skips a branch whose literal differs from the text without entering it, so at each position it follows
    one path of the terms that start there instead of trying every term (a 2,000-character sentence took 65 ms,
    then 0.3 ms; the trie makes a news sentence's scan about ten times faster again), and a Chinese regex is
    searched for only where one of its first characters stands. An English regex tests, at a word start, whether
    any first character stands there, in one set, before its branches one by one (a space after a comma or a
    digit took the engine through all of them).
    """
    if not terms:
        return None
    by_lead: dict[str, list[tuple[str, str]]] = {}
    for term, cid in sorted(terms, key=lambda x: -len(x[0])):
        for lead in [term[0]] if not english or _is_exact(term) else case_variants(term[0]):
            by_lead.setdefault(lead, []).append((term, cid))
    same: dict[tuple, list[str]] = {}  # the leads of one list of terms ('c' and 'C'): one branch led by a set
    for lead, members in by_lead.items():
        same.setdefault(tuple(members), []).append(lead)
    branches, ids = [], []
    for members, leads in same.items():
        trie = _trie(list(members), english)
        if trie:
            branches.append(char_class(leads) + trie[0])
            ids += trie[1]
            continue
        for lead in leads:
            branch, more = _flat(lead, list(members), english)
            branches.append(branch)
            ids += more
    if english:
        return _Matcher(re.compile(r"(?<![\w&-])(?=" + char_class(set(by_lead)) + ")(?:" + "|".join(branches)
                                   + r")(?![\w&])"), ids, False)
    return _Matcher(re.compile("|".join(branches)), ids, all(not term[0].isascii() for term, _ in terms))


def _outside(spans: list[tuple[int, int, str]], others: list[tuple[int, int, str]]) -> set[str]:
    """The ids of ``spans`` not inside a longer one of ``others``."""
    return {i for s, e, i in spans if not any(a <= s and e <= b and b - a > e - s for a, b, _ in others)}


SENTENCE_WINDOW = 400  # characters of the sentence before a number read for its concept: a longer run is a page of one line


@dataclass(frozen=True)
class Concepts:
    specs: tuple[ConceptSpec, ...]
    taxonomy: Taxonomy
    path: str = ""

    @cached_property
    def _compiled(self):
        """(concept order, (matchers of main concepts, of modifiers), matchers of technologies): one regex each
        per language."""
        order = {s.id: i for i, s in enumerate(self.specs)}

        def matchers(pairs_en, pairs_zh):
            return [_alternation(pairs_en, True), _alternation(pairs_zh, False)]

        mains = [s for s in self.specs if not s.modifier]
        mods = [s for s in self.specs if s.modifier]
        techs = self.taxonomy.technologies
        return (order,
                (matchers([(t, s.id) for s in mains for t in s.en], [(t, s.id) for s in mains for t in s.zh]),
                 matchers([(t, s.id) for s in mods for t in s.en], [(t, s.id) for s in mods for t in s.zh])),
                matchers([(t, x.id) for x in techs for t in x.en], [(t, x.id) for x in techs for t in x.zh]))

    @cached_property
    def by_id(self) -> dict[str, ConceptSpec]:
        return {s.id: s for s in self.specs}

    @staticmethod
    def _found(text: str, matchers: list[_Matcher | None]) -> list[str]:
        return [i for _, _, i in Concepts._spans(text, matchers)]

    @staticmethod
    def _spans(text: str, matchers: list[_Matcher | None]) -> list[tuple[int, int, str]]:
        if not text:
            return []
        spans = []
        ascii_only = text.isascii()
        for m in matchers:
            if m is None or (ascii_only and m.needs_non_ascii):
                continue
            first = m.regex.search(text)  # most texts name no term: no iterator made for them
            if first is not None:
                names = m.ids
                spans.append((first.start(), first.end(), names[first.lastindex - 1]))
                spans += [(x.start(), x.end(), names[x.lastindex - 1]) for x in m.regex.finditer(text, first.end())]
        return spans

    def _split(self, text: str, terms, spans=None) -> tuple[list[str], list[str]]:
        """(main concepts, modifiers) named in ``text``, each in vocabulary order; a term inside a longer term
        of the other sort does not count ('of GDP' in 'emissions per unit of GDP', 'GDP' in 'share of GDP').
        ``spans``: the (mains, modifiers) spans of ``text``, when already found."""
        order = self._compiled[0]
        mains, mods = spans or (self._spans(text, terms[0]), self._spans(text, terms[1]))

        def kept(spans, others):
            return {i for s, e, i in spans if not any(a <= s and e <= b and b - a > e - s for a, b, _ in others)}

        return sorted(kept(mains, mods), key=order.get), sorted(kept(mods, mains), key=order.get)

    def key_of(self, subject: str, clause: str = "", around: str = "", *, rest: str = "",
               sentence: str = "", measured: str = "") -> Concept | None:
        """The concept a figure measures: the first-listed main concept named in its ``subject``, else in the
        ``clause`` before the number, else in the ``rest`` of its clause after it ('54 percent of global robot installations'),
        else anywhere in the ``sentence`` before it ('... and aims to lift it to 180 GW'). Topic concepts take
        the technology named first in the widening text (in the whole sentence when it names none); modifiers are read in the
        text where the main concept was found and in ``around`` (the words right after the number: '12.5% of GDP').
        ``measured`` ('of new car sales' after '60 per cent') names the measured thing before the clause does.

        The widening texts are the parts joined by ' | ', which no term can cross: each part is scanned once, when
        the search first widens to it, and at most SENTENCE_WINDOW characters of each part are read, nearest the number."""
        order, terms, techs_m = self._compiled
        parts = (subject[:SENTENCE_WINDOW], clause[-SENTENCE_WINDOW:], rest[:SENTENCE_WINDOW], sentence[-SENTENCE_WINDOW:],
                 measured, around[:SENTENCE_WINDOW])
        canon = [parts.index(p) for p in parts]  # a part equal to an earlier one (often: measured, rest) is read as it
        scanned: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
        firsts: dict[int, str | None] = {}

        def spans(k: int, which: int) -> list[tuple[int, int, str]]:
            """Spans in part ``k`` (0 subject, 1 clause, 2 rest, 3 sentence, 4 measured, 5 around) of main concepts
            (0) or modifiers (1)."""
            k = canon[k]
            if (k, which) not in scanned:
                scanned[k, which] = self._spans(parts[k], terms[which])
            return scanned[k, which]

        names: dict[tuple[int, int], set[str]] = {}

        def named(k: int, which: int) -> set[str]:
            """The main concepts (0) or modifiers (1) named in part ``k``, each outside a longer term of the other
            sort; no term crosses a part, so parts are read alone (the other sort only when this one is found)."""
            k = canon[k]
            if (k, which) not in names:
                found = spans(k, which)
                names[k, which] = _outside(found, spans(k, 1 - which)) if found else set()
            return names[k, which]

        def first_tech(k: int) -> str | None:
            """The technology named first in part ``k`` (of two at one place, the longer)."""
            k = canon[k]
            if k not in firsts:
                found = self._spans(parts[k], techs_m)
                firsts[k] = min((s, -(e - s), i) for s, e, i in found)[2] if found else None
            return firsts[k]

        def widened(k: int | None) -> list[int]:
            return [4] if k is None else list(range(k + 1))

        main, topic, where = None, None, None  # where: the widening that named the main concept
        candidates = [None] if measured and not named(0, 0) else []
        candidates += range(4)
        for k in candidates:
            if main is None:
                mains = set().union(*(named(j, 0) for j in widened(k)))
                if not mains:
                    continue
                main, where = self.by_id[min(mains, key=order.get)], k
            if main.topic:
                topic = next(filter(None, map(first_tech, widened(k))), None) or first_tech(3)
            if not main.topic or topic:
                break
        if main is None:
            return None
        # modifiers: in the widening that named the main concept, the clause and around
        found = set().union(*(named(j, 1) for j in widened(where) + [1, 5]))
        mods = sorted(found, key=order.get)
        label = f"{self._tech_label(topic)} {main.label}" if topic else main.label
        return Concept("+".join([main.id] + ([topic] if topic else []) + mods), label, main.id)

    def labels_in(self, text: str) -> list[str]:
        """The labels of the concepts, modifiers and technologies named in ``text`` (a Chinese subject in English)."""
        mains, mods = self._split(text, self._compiled[1])
        techs = dict.fromkeys(self._found(text, self._compiled[2]))
        return [self.by_id[i].label for i in mains + mods] + [self._tech_label(t) for t in techs]

    def is_weak(self, key: str) -> bool:
        """A key that names only a generic topic concept without its technology ('industry_scale': 'those
        industries'), or nothing: a figure with it may join a fact of the same amount known better."""
        main = key.split("+")[0] if key else ""
        spec = self.by_id.get(main)
        if spec is None:
            return True
        tech_ids = {t.id for t in self.taxonomy.technologies}
        return spec.topic and not any(part in tech_ids for part in key.split("+")[1:])

    def modifiers_of(self, key: str) -> frozenset[str]:
        return frozenset(p for p in key.split("+")[1:] if p in self.by_id and self.by_id[p].modifier)

    @cached_property
    def _tech_labels(self) -> dict[str, str]:
        """Each technology's first English term of at most 12 characters, else its id."""
        return {t.id: next((x for x in t.en if len(x) <= 12), t.id) for t in reversed(self.taxonomy.technologies)}

    def _tech_label(self, tech_id: str) -> str:
        return self._tech_labels.get(tech_id, tech_id)


def _fail(path: Path, key: str, message: str, fix: str) -> ConfigError:
    return ConfigError(message, file=str(path), key=key, fix=fix)


def _terms(raw, path: Path, key: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, (str, int)) and str(x).strip() for x in raw):
        raise _fail(path, key, "must be a list of non-empty strings", f"write it as [term, other term] under '{key}'")
    return tuple(str(x).strip() for x in raw)


def parse_concepts(data, path: Path, taxonomy: Taxonomy) -> Concepts:
    """Validate the YAML document ``data`` read from ``path``; every mistake is reported, all at once."""
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), dict) or not data["concepts"]:
        raise _fail(path, "concepts", "is missing or empty", "the file needs a 'concepts:' mapping of id → terms")
    errors: list[ConfigError] = [_fail(path, key, "is not a known key", "use only 'concepts'")
                                 for key in sorted(set(data) - {"concepts"})]
    specs, seen = [], {}
    for cid, raw in data["concepts"].items():
        try:
            spec = _spec(cid, raw, path, seen)
        except ConfigError as exc:
            errors.append(exc)
            continue
        specs.append(spec)
    raise_all(errors)
    return Concepts(tuple(specs), taxonomy, str(path))


def _spec(cid, raw, path: Path, seen: dict) -> ConceptSpec:
    """One entry of ``concepts:``; ``seen`` maps (language, folded term) to the concept that has it."""
    where = f"concepts.{cid}"
    if not _ID.match(str(cid)):
        raise _fail(path, where, "is not a valid id", "use lower-case letters, digits and '_' (e.g. rd_spending)")
    if not isinstance(raw, dict):
        raise _fail(path, where, "must be a mapping", "give it 'label', 'en' and 'zh' term lists")
    bad = set(raw) - _KEYS
    if bad:
        raise _fail(path, f"{where}.{sorted(bad)[0]}", "is not a known key", "use only label, en, zh, topic and modifier")
    for flag in ("topic", "modifier"):
        if not isinstance(raw.get(flag, False), bool):
            raise _fail(path, f"{where}.{flag}", "must be true or false", f"write {flag}: true")
    en, zh = _terms(raw.get("en"), path, f"{where}.en"), _terms(raw.get("zh"), path, f"{where}.zh")
    if not en and not zh:
        raise _fail(path, where, "has no terms", "add English terms under 'en' or Chinese terms under 'zh'")
    for lang, terms in (("en", en), ("zh", zh)):
        for term in terms:
            folded = term.lower() if lang == "en" else term
            if (lang, folded) in seen:
                raise _fail(path, f"{where}.{lang}", f"term '{term}' is already a term of '{seen[lang, folded]}'",
                            "keep each term under one concept")
            seen[lang, folded] = cid
    return ConceptSpec(str(cid), str(raw.get("label") or cid), en, zh, raw.get("topic", False),
                       raw.get("modifier", False))


def load_concepts(path: str | os.PathLike | None = None, taxonomy: Taxonomy | None = None) -> Concepts:
    """Load and validate a concepts file (default: $PLANWATCH_CONCEPTS, else config/concepts.yaml)."""
    path = Path(path or os.environ.get("PLANWATCH_CONCEPTS") or DEFAULT_PATH)
    data = read_yaml(path, "PLANWATCH_CONCEPTS")
    return parse_concepts(data, path, taxonomy or default_taxonomy())


_default: dict[str, Concepts] = {}


def default_concepts() -> Concepts:
    """The concepts of $PLANWATCH_CONCEPTS or config/concepts.yaml, loaded and compiled once per path."""
    path = str(os.environ.get("PLANWATCH_CONCEPTS") or DEFAULT_PATH)
    if path not in _default:
        _default[path] = load_concepts(path)
    return _default[path]

"""The taxonomy: plan names and technology terms, loaded from config/taxonomy.yaml and compiled to matchers."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path


from extract.errors import ConfigError
from extract.yamlfile import read_yaml
from extract.scan import LedPattern, case_variants

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "config" / "taxonomy.yaml"
_ID = re.compile(r"^[a-z0-9_]+$")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class PlanSpec:
    key: str
    first_year: int
    last_year: int
    ordinals: tuple[str, ...]
    names: tuple[str, ...]


@dataclass(frozen=True)
class TechSpec:
    id: str
    label: str
    en: tuple[str, ...]
    zh: tuple[str, ...]
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    plans: tuple[PlanSpec, ...]
    technologies: tuple[TechSpec, ...]
    china: tuple[str, ...] = ()
    path: str = ""

    @property
    def technology_ids(self) -> list[str]:
        return [t.id for t in self.technologies]

    def plan(self, key: str) -> PlanSpec | None:
        return next((p for p in self.plans if p.key == key), None)

    def plan_for_year(self, year: int) -> str | None:
        """The plan whose period contains ``year``."""
        return next((p.key for p in self.plans if p.first_year <= year <= p.last_year), None)

    @cached_property
    def matchers(self) -> "TermMatchers":
        return TermMatchers.build(self)


@dataclass(frozen=True)
class TermMatchers:
    """Compiled technology matchers: one regex per script family, mapping matched text to ids."""

    words: re.Pattern | None  # case-insensitive English terms
    caps: LedPattern | None  # short all-capitals acronyms, case-sensitive
    cjk: re.Pattern | None
    exclude: re.Pattern | None
    ids_of: dict[str, tuple[str, ...]]  # normalised term -> technology ids
    excludable: frozenset[str] = frozenset()  # normalised terms that occur inside an exclude phrase

    @classmethod
    def build(cls, tax: Taxonomy) -> "TermMatchers":
        ids_of: dict[str, list[str]] = {}
        words, caps, cjk, excludes = set(), set(), set(), set()
        for tech in tax.technologies:
            for term in tech.en + tech.zh:
                if _CJK.search(term):
                    cjk.add(term)
                    key = term
                elif _is_acronym(term):
                    caps.add(term)
                    key = term
                else:
                    words.add(term)
                    key = term.lower()
                if tech.id not in ids_of.setdefault(key, []):
                    ids_of[key].append(tech.id)
            excludes.update(tech.exclude)
        return cls(
            words=_word_regex(words, re.IGNORECASE),
            caps=_word_regex(caps, 0),
            cjk=re.compile(trie_pattern(cjk)) if cjk else None,
            exclude=_word_regex(excludes, re.IGNORECASE, plural=False),
            ids_of={k: tuple(v) for k, v in ids_of.items()},
            excludable=frozenset(t.lower() for t in words if any(t.lower() in x.lower() for x in excludes)),
        )

    def key_of(self, matched: str, pattern: re.Pattern | LedPattern) -> str:
        if pattern is self.words:
            low = matched.lower()
            if low in self.ids_of:
                return low
            return low[:-2] if low.endswith("es") and low[:-2] in self.ids_of else low[:-1]
        if pattern is self.caps and matched not in self.ids_of:
            return matched[:-1]
        return matched


def _is_acronym(term: str) -> bool:
    core = term.rstrip("+")
    return len(core) <= 4 and core.upper() == core and any(c.isalpha() for c in core)


def trie_pattern(terms: set[str] | list[str], *, fold: bool = False) -> str:
    """One alternation with shared prefixes factored out: far faster to scan than a flat list of terms."""
    trie: dict = {}
    for term in terms:
        node = trie
        for ch in term.lower() if fold else term:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 and len(alts[0]) == 1 else "(?:" + "|".join(alts) + ")"
        return body + ("?" if "" in node else "")

    return build(trie)


def word_alternation(words, *, lead: str = "", ignore_case: bool = True) -> str:
    """An alternation of ``words``, written so the regex engine scans it fast.

    A pattern that opens with ``\\b`` or re.IGNORECASE gives the engine no first character to look for, so it
    tries every position. Here each branch is led by a first letter as a literal (one branch per case of it with
    ``ignore_case``, ``scan.case_variants``: a set of cases would leave the engine nothing to skip to either), then
    ``lead`` (a word-start check, say) and a trie of the rests.
    """
    fold = str.lower if ignore_case else str
    rests: dict[str, set[str]] = {}
    for w in words:
        rests.setdefault(fold(w[0]), set()).add(fold(w[1:]))
    branches = []
    for first, rest in sorted(rests.items()):
        tail = trie_pattern(rest)
        if tail and ignore_case:
            tail = f"(?i:{tail})"
        branches += [f"{re.escape(case)}{lead}{tail}" for case in (case_variants(first) if ignore_case else [first])]
    return "|".join(branches)


def _word_regex(terms: set[str], flags: int, *, plural: bool = True):
    """Whole-word matcher for ``terms``.

    Case-sensitive terms (acronyms) give a ``LedPattern``, one branch per first character; their word start is
    checked by the caller (``starts_word``). Case-insensitive terms give one regex led by a ``WORD_LEAD``
    character: split per lead it would hold twelve copies of the term trie (330 KB compiled), and after
    trafilatura has run, the cache misses on those cost more than the faster scan saves (benchmarks/detect.py).
    """
    if not terms:
        return None
    suffix = r"(?:e?s)?" if plural else ""
    if not flags & re.IGNORECASE:
        by_first: dict[str, set[str]] = {}
        for term in terms:
            by_first.setdefault(term[0], set()).add(term)
        return LedPattern({c: f"(?:{trie_pattern(group)}){suffix}(?![A-Za-z0-9_])"
                           for c, group in sorted(by_first.items())})
    by_first = {}
    for term in terms:
        by_first.setdefault(term[0].lower(), set()).add(term[1:].lower())
    alts = []
    for first, rests in sorted(by_first.items()):
        rest = trie_pattern(rests)
        rest = f"(?i:{rest})" if rest else ""
        cases = {first, first.upper()}
        alts += [re.escape(c) + rest for c in sorted(cases)]
    return re.compile(rf"{WORD_LEAD}(?P<t>(?:{'|'.join(alts)}){suffix})(?![A-Za-z0-9_])")


# Words are searched for just after a space, newline, quote, bracket, slash or dash: characters the regex
# engine jumps between far faster than it can try a word at every letter. Scan "\n" + text.
WORD_LEADS = " \n\t\"“‘'([/—–"
WORD_LEAD = "[" + "".join(re.escape(c) for c in WORD_LEADS) + "]"
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


# UTF-8 lead bytes of U+4000–U+9FFF. U+3400–U+3FFF shares its lead byte (E3) with CJK punctuation, so a text
# holding E3 alone is settled by the regex. Searching bytes with memchr beats the regex's per-character scan of a
# long text without CJK about threefold; a text with CJK is settled by the regex over its first characters.
_CJK_LEADS = (b"\xe4", b"\xe5", b"\xe6", b"\xe7", b"\xe8", b"\xe9")


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a CJK ideograph (U+3400–U+9FFF)."""
    if _CJK.search(text, 0, 512) is not None:
        return True
    if len(text) <= 512 or text.isascii():
        return False
    data = text.encode("utf-8", "surrogatepass")
    return any(lead in data for lead in _CJK_LEADS) or (b"\xe3" in data and _CJK.search(text, 512) is not None)


def starts_word(text: str, pos: int) -> bool:
    return pos == 0 or text[pos - 1] not in _WORD_CHARS


def _fail(path: Path, key: str, message: str, fix: str) -> ConfigError:
    return ConfigError(message, file=str(path), key=key, fix=fix)


def _str_list(raw, path: Path, key: str, *, required: bool = True) -> tuple[str, ...]:
    if raw is None and not required:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, (str, int)) and str(x).strip() for x in raw):
        raise _fail(path, key, "must be a list of non-empty strings", f"write it as [term, other term] under '{key}'")
    if required and not raw:
        raise _fail(path, key, "is empty", f"give at least one term under '{key}'")
    return tuple(str(x).strip() for x in raw)


def parse_taxonomy(data, path: Path) -> Taxonomy:
    """Validate the YAML document ``data`` read from ``path``."""
    if not isinstance(data, dict):
        raise _fail(path, "(top level)", "is not a mapping", "the file needs the keys 'plans' and 'technologies'")
    for key in ("plans", "technologies"):
        if not isinstance(data.get(key), dict) or not data[key]:
            raise _fail(path, key, "is missing or empty", f"add a '{key}:' mapping (see the comments in the shipped file)")
    unknown = set(data) - {"plans", "technologies", "china"}
    if unknown:
        raise _fail(path, sorted(unknown)[0], "is not a known key", "use only 'plans', 'technologies' and 'china'")
    plans = []
    for key, raw in data["plans"].items():
        where = f"plans.{key}"
        if not isinstance(raw, dict):
            raise _fail(path, where, "must be a mapping", "give it 'years', 'ordinals' and 'names'")
        years = raw.get("years")
        if not (isinstance(years, list) and len(years) == 2 and all(isinstance(y, int) for y in years)
                and years[0] <= years[1]):
            raise _fail(path, f"{where}.years", "must be [first year, last year]", "write e.g. years: [2026, 2030]")
        plans.append(PlanSpec(str(key), years[0], years[1], _str_list(raw.get("ordinals"), path, f"{where}.ordinals"),
                              _str_list(raw.get("names"), path, f"{where}.names")))
    techs = []
    for tid, raw in data["technologies"].items():
        where = f"technologies.{tid}"
        if not _ID.match(str(tid)):
            raise _fail(path, where, "is not a valid id", "use lower-case letters, digits and '_' (e.g. new_energy)")
        if not isinstance(raw, dict):
            raise _fail(path, where, "must be a mapping", "give it 'label', 'en' and 'zh' term lists")
        bad = set(raw) - {"label", "en", "zh", "exclude"}
        if bad:
            raise _fail(path, f"{where}.{sorted(bad)[0]}", "is not a known key", "use only label, en, zh and exclude")
        en = _str_list(raw.get("en"), path, f"{where}.en", required=False)
        zh = _str_list(raw.get("zh"), path, f"{where}.zh", required=False)
        if not en and not zh:
            raise _fail(path, where, "has no terms", "add English terms under 'en' or Chinese terms under 'zh'")
        techs.append(TechSpec(str(tid), str(raw.get("label") or tid), en, zh,
                              _str_list(raw.get("exclude"), path, f"{where}.exclude", required=False)))
    china = _str_list(data.get("china"), path, "china", required=False)
    return Taxonomy(tuple(plans), tuple(techs), china, str(path))


def load_taxonomy(path: str | os.PathLike | None = None) -> Taxonomy:
    """Load and validate a taxonomy file (default: $PLANWATCH_TAXONOMY, else config/taxonomy.yaml)."""
    path = Path(path or os.environ.get("PLANWATCH_TAXONOMY") or DEFAULT_PATH)
    data = read_yaml(path, "PLANWATCH_TAXONOMY")
    return parse_taxonomy(data, path)


_default: dict[str, Taxonomy] = {}


def default_taxonomy() -> Taxonomy:
    """The taxonomy of $PLANWATCH_TAXONOMY or config/taxonomy.yaml, loaded once per path."""
    path = str(os.environ.get("PLANWATCH_TAXONOMY") or DEFAULT_PATH)
    if path not in _default:
        _default[path] = load_taxonomy(path)
    return _default[path]

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


def _alternation(terms: list[tuple[str, str]], english: bool) -> re.Pattern | None:
    """One regex over ``terms`` ((term, id) pairs), longest first, each a named alternative by position."""
    if not terms:
        return None
    parts = []
    for term, _ in terms:
        body = re.escape(term).replace(r"\ ", r"[\s-]+")
        if english:
            case = "" if (term.isupper() and len(term) <= 4) or term in ("GDP", "CPI", "R&D") else "(?i:"
            body = f"{case}{body}(?:s|es)?{')' if case else ''}"
            body = rf"(?<![\w&-]){body}(?![\w&])"
        parts.append(f"({body})")
    return re.compile("|".join(parts))


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
            en = sorted(pairs_en, key=lambda x: -len(x[0]))
            zh = sorted(pairs_zh, key=lambda x: -len(x[0]))
            return [(_alternation(en, True), [i for _, i in en]), (_alternation(zh, False), [i for _, i in zh])]

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
    def _found(text: str, matchers) -> list[str]:
        ids = []
        for regex, names in matchers:
            if regex is not None:
                ids += [names[m.lastindex - 1] for m in regex.finditer(text)]
        return ids

    @staticmethod
    def _spans(text: str, matchers) -> list[tuple[int, int, str]]:
        spans = []
        for regex, names in matchers:
            if regex is not None:
                spans += [(m.start(), m.end(), names[m.lastindex - 1]) for m in regex.finditer(text)]
        return spans

    def _split(self, text: str, terms) -> tuple[list[str], list[str]]:
        """(main concepts, modifiers) named in ``text``, each in vocabulary order; a term inside a longer term
        of the other sort does not count ('of GDP' in 'emissions per unit of GDP', 'GDP' in 'share of GDP')."""
        order = self._compiled[0]
        mains, mods = self._spans(text, terms[0]), self._spans(text, terms[1])

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
        ``measured`` ('of new car sales' after '60 per cent') names the measured thing before the clause does."""
        _, terms, techs_m = self._compiled
        found, where = None, subject
        texts = [subject, subject + " | " + clause, subject + " | " + clause + " | " + rest,
                 subject + " | " + clause + " | " + rest + " | " + sentence]
        first = [measured] if measured and not self._split(subject, terms)[0] else []
        for text in first + texts:
            if found is None:
                mains, _ = self._split(text, terms)
                if not mains:
                    continue
                found, where = (self.by_id[mains[0]], None), text
            main = found[0]
            topic = (self._first(text, techs_m) or self._first(sentence, techs_m)) if main.topic else None
            found = (main, topic)
            if not main.topic or topic:
                break
        if found is None:
            return None
        main, topic = found
        _, mods = self._split(where + " | " + clause + " | " + around, terms)
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

    @staticmethod
    def _first(text: str, matchers) -> str | None:
        """The id of the leftmost (then longest) term found in ``text``."""
        hits = []
        for regex, names in matchers:
            if regex is not None:
                hits += [(m.start(), -len(m.group()), names[m.lastindex - 1]) for m in regex.finditer(text)]
        return min(hits)[2] if hits else None

    def _tech_label(self, tech_id: str) -> str:
        tech = next((t for t in self.taxonomy.technologies if t.id == tech_id), None)
        short = [t for t in (tech.en if tech else ()) if len(t) <= 12]
        return short[0] if short else tech_id


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
